using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

/// <summary>
/// What state sync needs from the chain, beside <see cref="IConsensusApplication"/>; an
/// application that does not implement it neither attests nor serves nor installs snapshots.
/// Calls come from the replica's loop and must return at once: building a snapshot runs off it.
/// </summary>
public interface IStateSyncApplication
{
    /// <summary>Starts building the snapshot of the state right after batch <paramref name="sequence"/>, which has just executed.</summary>
    void PrepareSnapshot(ulong sequence);

    /// <summary>The manifest of the snapshot at <paramref name="sequence"/> once it is built; null before, or when it was released.</summary>
    SnapshotManifest? PreparedSnapshot(ulong sequence);

    /// <summary>Chunk <paramref name="index"/> of a retained snapshot, exactly as its manifest hashes it; null when not kept.</summary>
    byte[]? ReadSnapshotChunk(ulong sequence, int index);

    /// <summary>Keeps the snapshots at <paramref name="sequences"/> and releases every other one.</summary>
    void RetainSnapshots(IReadOnlyCollection<ulong> sequences);

    /// <summary>Starts installing a snapshot whose manifest matched a certified digest; returns why not, or null.</summary>
    string? BeginInstall(SnapshotManifest manifest, Hash certifiedDigest);

    /// <summary>The next chunk of the install under way; returns why it was refused, or null.</summary>
    string? InstallChunk(int index, ReadOnlyMemory<byte> chunk);

    /// <summary>
    /// Makes the installed snapshot the chain, its base block carrying <paramref name="baseCertificate"/>
    /// (already checked by the replica); afterwards <see cref="IConsensusApplication.LastExecuted"/>
    /// is the snapshot's height. Returns why it failed, or null.
    /// </summary>
    string? CompleteInstall(CommitCertificate baseCertificate);

    /// <summary>Drops an install under way; the chain stays as it was before <see cref="BeginInstall"/>.</summary>
    void AbandonInstall();
}
