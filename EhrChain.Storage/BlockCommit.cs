using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>A block and everything it changes: stored together or not at all.</summary>
public sealed class BlockCommit
{
    /// <param name="block">The block.</param>
    /// <param name="state">The state writes it makes.</param>
    /// <param name="history">The history entries it appends.</param>
    /// <param name="txIds">
    /// The transactions' ids in block order, when the caller has them already (the executor
    /// decodes every transaction anyway); they must be what <see cref="Core.Chain.TransactionIds.OfBlock"/> gives.
    /// </param>
    public BlockCommit(Block block, StateWriteSet? state = null, IReadOnlyList<HistoryAppend>? history = null, IReadOnlyList<Hash>? txIds = null)
    {
        Block = block ?? throw new ArgumentNullException(nameof(block));
        Hash = Core.Chain.BlockHashing.HeaderHash(block.Header ?? throw new ArgumentException("A block needs a header.", nameof(block)));
        State = state ?? new StateWriteSet();
        History = history ?? [];
        if (txIds is not null && txIds.Count != block.Transactions.Count)
        {
            throw new ArgumentException("There must be one id per transaction.", nameof(txIds));
        }
        _txIds = txIds;
    }

    public Block Block { get; }

    /// <summary>
    /// Each transaction's id, in block order, computed once: the tx index, the node's events and
    /// its commit-latency clock all need them, and each costs a decode and a SHA-256.
    /// </summary>
    public IReadOnlyList<Hash> TxIds => _txIds ??= Core.Chain.TransactionIds.OfBlock(Block);

    private IReadOnlyList<Hash>? _txIds;
    public Hash Hash { get; }
    public ulong Height => Block.Header.Height;
    public StateWriteSet State { get; }
    public IReadOnlyList<HistoryAppend> History { get; }
}
