using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// One transaction being applied: its verified signer, where it sits in the block, the state as
/// it sees it (the base state, the block's earlier writes, and its own), and its pending writes.
/// The writes reach the block only if the transaction is accepted.
/// </summary>
internal sealed class TransactionContext
{
    private readonly List<HistoryAppend> _history = [];

    public TransactionContext(Participant signer, Hash txId, BlockContext block, int position, IStateReader blockState)
    {
        Signer = signer;
        TxId = txId;
        Block = block;
        Position = position;
        State = new EhrState(new StateOverlay(blockState, Writes));
    }

    public Participant Signer { get; }
    public Hash TxId { get; }
    public BlockContext Block { get; }
    public int Position { get; }
    public EhrState State { get; }
    public StateWriteSet Writes { get; } = new();
    public IReadOnlyList<HistoryAppend> History => _history;

    public long Now => Block.TimeUnixMs;

    public void Put(byte[] key, IMessage value) => Writes.Put(key, value.ToByteArray());

    public void Delete(byte[] key) => Writes.Delete(key);

    /// <summary>Records a change in the history index under <paramref name="historyKey"/>, stamped with this transaction.</summary>
    public void RecordChange(byte[] historyKey, Change change)
    {
        change.AuthorId = Signer.Id;
        change.TimeUnixMs = Block.TimeUnixMs;
        change.Height = Block.Height;
        change.Position = (uint)Position;
        change.TxId = TxId.ToByteString();
        _history.Add(new HistoryAppend(historyKey, Position, change.ToByteArray()));
    }
}
