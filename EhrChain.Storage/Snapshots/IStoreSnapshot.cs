using EhrChain.Core.Wire;

namespace EhrChain.Storage.Snapshots;

/// <summary>
/// A consistent, retained read of everything a snapshot carries, as of one head: blocks stored
/// after it opened do not show through, however long a transfer takes.
/// </summary>
public interface IStoreSnapshot : IDisposable
{
    /// <summary>The head the snapshot reads at; null for an empty store.</summary>
    ChainHead? Head { get; }

    /// <summary>The head block, with its header and commit certificate.</summary>
    Block? HeadBlock { get; }

    /// <summary>
    /// Every record of the tx index, state and history families from <paramref name="from"/> on,
    /// by family and then bytewise key order (the base block is not among them).
    /// </summary>
    IEnumerable<SnapshotRecord> Records(SnapshotPosition from);
}
