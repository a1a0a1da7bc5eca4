using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Tests.Support;

/// <summary>Builds well-formed blocks for store tests: <c>ABlock.After(head).WithTransactions(3).Writing(key, value).Build()</c>.</summary>
public sealed class ABlock
{
    private static readonly SigningKeyPair Signer = SigningKeyPair.FromPrivateKey(new byte[32]);
    private readonly ulong _height;
    private readonly Hash _prev;
    private readonly List<byte[]> _transactions = [];
    private readonly StateWriteSet _writes = new();
    private readonly List<HistoryAppend> _history = [];
    private static long _nonce;

    private ABlock(ulong height, Hash prev)
    {
        _height = height;
        _prev = prev;
    }

    public static ABlock Genesis() => new(0, Hash.Zero);

    public static ABlock After(ChainHead? head) => head is { } h ? new ABlock(h.Height + 1, h.Hash) : Genesis();

    public static ABlock After(BlockCommit previous) => new(previous.Height + 1, previous.Hash);

    public ABlock WithTransactions(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _transactions.Add(SignedTransactionBytes());
        }
        return this;
    }

    public ABlock WithTransaction(byte[] signedTransaction)
    {
        _transactions.Add(signedTransaction);
        return this;
    }

    public ABlock Writing(string key, string value)
    {
        _writes.Put(System.Text.Encoding.UTF8.GetBytes(key), System.Text.Encoding.UTF8.GetBytes(value));
        return this;
    }

    public ABlock Writing(byte[] key, string value)
    {
        _writes.Put(key, System.Text.Encoding.UTF8.GetBytes(value));
        return this;
    }

    public ABlock Deleting(string key)
    {
        _writes.Delete(System.Text.Encoding.UTF8.GetBytes(key));
        return this;
    }

    public ABlock RecordingHistory(string key, int position, string value)
    {
        _history.Add(new HistoryAppend(System.Text.Encoding.UTF8.GetBytes(key), position, System.Text.Encoding.UTF8.GetBytes(value)));
        return this;
    }

    public BlockCommit Build()
    {
        var block = new Block
        {
            Header = new BlockHeader
            {
                Height = _height,
                PrevHash = _prev.ToByteString(),
                StateRoot = _writes.NextStateRoot(Hash.Zero).ToByteString(),
                TimeUnixMs = 1_700_000_000_000 + (long)_height * 1000,
                Proposer = "node-0",
                View = 0,
            },
        };
        foreach (var tx in _transactions)
        {
            block.Transactions.Add(ByteString.CopyFrom(tx));
            block.Results.Add(new TxResult { Code = TxResultCode.Ok });
        }
        block.Header.TxRoot = BlockHashing.TxRoot(block).ToByteString();
        block.Header.ResultsRoot = BlockHashing.ResultsRoot(block).ToByteString();
        return new BlockCommit(block, _writes, _history);
    }

    public static byte[] SignedTransactionBytes()
    {
        var payload = new TransactionPayload
        {
            ChainId = "test-chain",
            SignerId = "signer",
            Nonce = (ulong)Interlocked.Increment(ref _nonce),
            CreatedUnixMs = 1_700_000_000_000,
        }.ToByteArray();
        return new SignedTransaction
        {
            Payload = ByteString.CopyFrom(payload),
            Signature = ByteString.CopyFrom(Signer.Sign(SigningDomain.Transaction, payload)),
        }.ToByteArray();
    }
}
