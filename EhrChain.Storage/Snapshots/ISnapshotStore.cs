using EhrChain.Core.Wire;

namespace EhrChain.Storage.Snapshots;

/// <summary>A store that can be read as a snapshot and can be filled from one.</summary>
public interface ISnapshotStore
{
    /// <summary>Opens a consistent read of the store at its current head.</summary>
    IStoreSnapshot OpenSnapshot();

    /// <summary>True while records of a snapshot have been imported but the import is not complete.</summary>
    bool ImportInProgress { get; }

    /// <summary>
    /// Writes records of a snapshot into an empty store (one that has no head). Nothing is
    /// readable as a chain until <see cref="CompleteImport"/>; a store left between the two after a
    /// crash reports <see cref="ImportInProgress"/> and is to be discarded.
    /// </summary>
    void ImportRecords(IReadOnlyList<SnapshotRecord> records);


    /// <summary>
    /// Makes the imported snapshot the chain: <paramref name="baseBlock"/> becomes the head and the
    /// lowest block stored, in one durable write with the end of the import.
    /// </summary>
    void CompleteImport(Block baseBlock);
}
