using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Tests.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Core;

public sealed class BlockHashingTests
{
    private static BlockHeader Header() => new()
    {
        Height = 7,
        PrevHash = Hash.Compute("prev"u8).ToByteString(),
        TxRoot = Hash.Compute("tx"u8).ToByteString(),
        ResultsRoot = Hash.Compute("results"u8).ToByteString(),
        StateRoot = Hash.Compute("state"u8).ToByteString(),
        TimeUnixMs = 1_764_000_000_000,
        Proposer = "node-1",
        View = 3,
    };

    [Test]
    public void Every_agreed_header_field_changes_the_block_hash()
    {
        var original = BlockHashing.HeaderHash(Header());
        var changes = new Action<BlockHeader>[]
        {
            h => h.Height++,
            h => h.PrevHash = Hash.Compute("other"u8).ToByteString(),
            h => h.TxRoot = Hash.Zero.ToByteString(),
            h => h.ResultsRoot = Hash.Zero.ToByteString(),
            h => h.StateRoot = Hash.Zero.ToByteString(),
            h => h.TimeUnixMs++,
        };

        var hashes = changes.Select(change =>
        {
            var header = Header();
            change(header);
            return BlockHashing.HeaderHash(header);
        }).ToList();

        Assert.That(hashes, Has.None.EqualTo(original));
        Assert.That(hashes, Is.Unique);
    }

    [Test]
    public void The_view_and_proposer_a_node_committed_in_do_not_change_the_block_hash()
    {
        // Honest replicas may commit one batch in different views; their chains must still hash alike.
        var other = Header();
        other.View = 4;
        other.Proposer = "node-2";

        Assert.That(BlockHashing.HeaderHash(other), Is.EqualTo(BlockHashing.HeaderHash(Header())));
    }

    [Test]
    public void The_canonical_header_layout_is_fixed()
    {
        // A change to the layout changes every block hash: this pins it.
        var bytes = BlockHashing.CanonicalHeaderBytes(Header());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bytes, Has.Length.EqualTo(25 + 8 + 4 * 32 + 8));
            Assert.That(bytes[25..33], Is.EqualTo(new byte[] { 0, 0, 0, 0, 0, 0, 0, 7 }));
            Assert.That(bytes[^8..], Is.EqualTo(new byte[] { 0, 0, 0x01, 0x9a, 0xb6, 0x97, 0xe8, 0x00 }));
        }
    }

    [Test]
    public void A_header_hash_field_of_the_wrong_size_is_malformed()
    {
        var header = Header();
        header.PrevHash = ByteString.CopyFrom(new byte[31]);

        Assert.That(() => BlockHashing.HeaderHash(header), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void The_tx_root_covers_signatures_as_well_as_payloads()
    {
        var tx = SignedTransaction.Parser.ParseFrom(ABlock.SignedTransactionBytes());
        var block = new Block { Transactions = { tx.ToByteString() } };
        var resigned = tx.Clone();
        var signature = resigned.Signature.ToByteArray();
        signature[0] ^= 1;
        resigned.Signature = ByteString.CopyFrom(signature);
        var tampered = new Block { Transactions = { resigned.ToByteString() } };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(TransactionIds.OfSignedTransaction(resigned.ToByteArray()), Is.EqualTo(TransactionIds.OfSignedTransaction(tx.ToByteArray())));
            Assert.That(BlockHashing.TxRoot(tampered), Is.Not.EqualTo(BlockHashing.TxRoot(block)));
        }
    }

    [Test]
    public void Bytes_that_are_not_a_transaction_still_have_an_id()
    {
        byte[] garbage = [0xff, 0xff, 0xff];

        Assert.That(TransactionIds.OfSignedTransaction(garbage), Is.EqualTo(Hash.Compute(garbage)));
    }

    [Test]
    public void A_result_hash_depends_on_code_and_reason()
    {
        var ok = BlockHashing.ResultHash(new TxResult { Code = TxResultCode.Ok });
        var denied = BlockHashing.ResultHash(new TxResult { Code = TxResultCode.AccessDenied, Reason = "no grant" });
        var deniedOther = BlockHashing.ResultHash(new TxResult { Code = TxResultCode.AccessDenied, Reason = "grant expired" });

        Assert.That(new[] { ok, denied, deniedOther }, Is.Unique);
    }
}
