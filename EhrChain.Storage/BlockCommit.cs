using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>
/// A block as it is committed: the block, its hash, each transaction's id and digest, and the state
/// writes and history it makes. The producer builds it from what execution already computed; the
/// store writes it, and the node's events and receipts answer from it without reading the block back.
/// </summary>
public sealed class BlockCommit
{
    /// <param name="block">The block.</param>
    /// <param name="state">The state writes it makes.</param>
    /// <param name="history">The history entries it appends.</param>
    /// <param name="transactions">
    /// The block's transactions as decoded for execution, in block order; when null (a block read
    /// from a store or a peer) their ids and digests are computed from the block's bytes here.
    /// </param>
    public BlockCommit(Block block, StateWriteSet? state = null, IReadOnlyList<HistoryAppend>? history = null, IReadOnlyList<DecodedTransaction>? transactions = null)
    {
        Block = block ?? throw new ArgumentNullException(nameof(block));
        Hash = BlockHashing.HeaderHash(block.Header ?? throw new ArgumentException("A block needs a header.", nameof(block)));
        State = state ?? new StateWriteSet();
        History = history ?? [];
        if (transactions is not null && transactions.Count != block.Transactions.Count)
        {
            throw new ArgumentException("There must be one decoded transaction per block transaction.", nameof(transactions));
        }
        var ids = new Hash[block.Transactions.Count];
        var digests = new Hash[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            var tx = transactions?[i] ?? DecodedTransaction.Decode(block.Transactions[i]);
            ids[i] = tx.TxId;
            digests[i] = tx.Digest;
        }
        TxIds = ids;
        TxDigests = digests;
    }

    public Block Block { get; }

    /// <summary>Each transaction's id, in block order: the tx index, events and the commit-latency clock use them.</summary>
    public IReadOnlyList<Hash> TxIds { get; }

    /// <summary>SHA-256 of each transaction's bytes, in block order: the tx root's leaves, which receipts carry.</summary>
    public IReadOnlyList<Hash> TxDigests { get; }

    public Hash Hash { get; }
    public ulong Height => Block.Header.Height;
    public StateWriteSet State { get; }
    public IReadOnlyList<HistoryAppend> History { get; }
}
