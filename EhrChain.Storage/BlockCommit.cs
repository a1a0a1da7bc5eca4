using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>A block and everything it changes: stored together or not at all.</summary>
public sealed class BlockCommit
{
    public BlockCommit(Block block, StateWriteSet? state = null, IReadOnlyList<HistoryAppend>? history = null)
    {
        Block = block ?? throw new ArgumentNullException(nameof(block));
        Hash = Core.Chain.BlockHashing.HeaderHash(block.Header ?? throw new ArgumentException("A block needs a header.", nameof(block)));
        State = state ?? new StateWriteSet();
        History = history ?? [];
    }

    public Block Block { get; }

    /// <summary>
    /// Each transaction's id, in block order, computed once: the tx index, the node's events and
    /// its commit-latency clock all need them, and each costs a decode and a SHA-256.
    /// </summary>
    public IReadOnlyList<Hash> TxIds => _txIds ??= Core.Chain.TransactionIds.OfBlock(Block);

    private Hash[]? _txIds;
    public Hash Hash { get; }
    public ulong Height => Block.Header.Height;
    public StateWriteSet State { get; }
    public IReadOnlyList<HistoryAppend> History { get; }
}
