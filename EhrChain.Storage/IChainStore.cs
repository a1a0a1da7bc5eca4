using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>The hash-linked chain of blocks, with a transaction index.</summary>
public interface IBlockStore
{
    /// <summary>The last complete block, or null for an empty store.</summary>
    ChainHead? Head { get; }

    /// <summary>
    /// The lowest block stored: 0, or the height of the snapshot the store was installed from;
    /// blocks below it were never transferred.
    /// </summary>
    ulong BaseHeight { get; }

    /// <summary>
    /// Checks that the block extends the head and stages it with its state writes, history and
    /// index entries. Nothing is visible until <see cref="IPendingBlockWrite.Commit"/>; disposing
    /// the pending write without committing leaves no trace.
    /// </summary>
    IPendingBlockWrite Prepare(BlockCommit commit);

    Block? GetBlock(ulong height);
    Block? GetBlock(Hash hash);
    /// <summary>The height the hash index recorded for a block hash when the block was stored.</summary>
    ulong? GetHeight(Hash blockHash);

    TxLocation? FindTransaction(Hash txId);
}

/// <summary>A block staged for the store: committed atomically and durably, or dropped.</summary>
public interface IPendingBlockWrite : IDisposable
{
    void Commit();
}

/// <summary>The state as of the head, and consistent views of it.</summary>
public interface IStateStore : IStateReader
{
    IStateView OpenView();
}

/// <summary>Changes recorded per key, in block and then position order.</summary>
public interface IHistoryIndex
{
    IReadOnlyList<HistoryItem> GetHistory(byte[] key);
}

/// <summary>Small named values written durably on their own (consensus view, last vote, checkpoints).</summary>
public interface IMetaStore
{
    byte[]? GetMeta(string name);
    void PutMeta(string name, byte[] value);
    void DeleteMeta(string name);

    /// <summary>Every value whose name starts with <paramref name="prefix"/>, in ordinal name order.</summary>
    IReadOnlyList<KeyValuePair<string, byte[]>> ScanMeta(string prefix);
}

/// <summary>Everything one node keeps, in one store, so a block and its effects commit together.</summary>
public interface IChainStore : IBlockStore, IStateStore, IHistoryIndex, IMetaStore, Snapshots.ISnapshotStore, IDisposable;
