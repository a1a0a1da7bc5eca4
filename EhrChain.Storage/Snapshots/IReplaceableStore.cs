namespace EhrChain.Storage.Snapshots;

/// <summary>
/// A store a running node can install a snapshot into although it already holds a chain (block 0
/// at least: the node writes it at start). The old chain is dropped in the same durable write that
/// marks the import as begun, so after a crash the store holds either the old chain (nothing
/// begun), an unfinished import (to be discarded), or the new chain.
/// </summary>
public interface IReplaceableStore : ISnapshotStore
{
    /// <summary>Empties the chain's blocks, index, state and history, keeping other meta, and marks an import as begun.</summary>
    void BeginReplace();

    /// <summary>Drops an unfinished import: the store is left empty, with no import marked.</summary>
    void DiscardImport();
}
