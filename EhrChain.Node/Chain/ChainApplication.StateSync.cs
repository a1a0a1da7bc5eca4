using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Snapshots;

namespace EhrChain.Node.Chain;

// State sync in the node. A snapshot is the store itself, read through a RocksDB snapshot pinned
// on the consensus loop right after its block (cheap) and cut and hashed on the thread pool (it
// reads everything). Installing replaces the store's chain in place (the node has written block 0
// at start): the chunks are checked and held until the last one is in, then the old chain is
// dropped in the durable write that begins the import; a crash before the import completes leaves
// an import the node discards at its next start, beginning again from block 0.
public sealed partial class ChainApplication : IStateSyncApplication
{
    private readonly Lock _snapshotLock = new();
    private readonly Dictionary<ulong, Task<SnapshotExport?>> _snapshots = [];
    private PendingInstall? _install;

    /// <summary>The height of the snapshot this node installed since it started, if any; the chain below it is not stored.</summary>
    public ulong? InstalledSnapshotHeight { get; private set; }

    public void PrepareSnapshot(ulong sequence)
    {
        if (_store is not ISnapshotStore snapshots || _store.Head?.Height != sequence)
        {
            return;
        }
        lock (_snapshotLock)
        {
            if (_snapshots.ContainsKey(sequence))
            {
                return;
            }
            var pinned = snapshots.OpenSnapshot();
            _snapshots[sequence] = Task.Run(() => Build(pinned));
        }
    }

    private static SnapshotExport? Build(IStoreSnapshot pinned)
    {
        try
        {
            return SnapshotExport.Create(pinned);
        }
        catch (StorageException)
        {
            // Create disposed the snapshot; an unbuilt snapshot is only one this node does not attest.
            return null;
        }
    }

    public SnapshotManifest? PreparedSnapshot(ulong sequence) => Built(sequence)?.Manifest;

    public byte[]? ReadSnapshotChunk(ulong sequence, int index)
    {
        var export = Built(sequence);
        return export is null || index < 0 || index >= export.ChunkCount ? null : export.ReadChunk(index);
    }

    public void RetainSnapshots(IReadOnlyCollection<ulong> sequences)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        List<Task<SnapshotExport?>> released;
        lock (_snapshotLock)
        {
            var old = _snapshots.Keys.Where(k => !sequences.Contains(k)).ToList();
            released = [.. old.Select(k => _snapshots[k])];
            foreach (var key in old)
            {
                _snapshots.Remove(key);
            }
        }
        // A snapshot still being built is released once it is: its pinned RocksDB snapshot must not outlive it.
        foreach (var task in released)
        {
            _ = task.ContinueWith(t => t.Result?.Dispose(), TaskScheduler.Default);
        }
    }

    public string? BeginInstall(SnapshotManifest manifest, Hash certifiedDigest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (_store is not IReplaceableStore)
        {
            return "this node's store cannot install a snapshot";
        }
        if (manifest.ChunkHashes.Count == 0)
        {
            return "the manifest lists no chunks";
        }
        try
        {
            if (SnapshotDigest.Of(manifest) != certifiedDigest)
            {
                return "the manifest does not hash to the certified snapshot digest";
            }
        }
        catch (FormatException e)
        {
            return "the manifest is malformed: " + e.Message;
        }
        _install = new PendingInstall(manifest, certifiedDigest, []);
        return null;
    }

    // Chunks are held until the last one is in and each is checked as it arrives: the store is
    // touched only by CompleteInstall, so an abandoned transfer leaves the chain exactly as it was.
    public string? InstallChunk(int index, ReadOnlyMemory<byte> chunk)
    {
        if (_install is not { } install)
        {
            return "no install is under way";
        }
        if (index != install.Chunks.Count || index >= install.Manifest.ChunkHashes.Count)
        {
            return $"chunk {index} arrived where chunk {install.Chunks.Count} was expected";
        }
        if (SnapshotDigest.ChunkHash(index, chunk.Span) != Hash.FromByteString(install.Manifest.ChunkHashes[index]))
        {
            return $"chunk {index} does not match its hash in the manifest";
        }
        install.Chunks.Add(chunk.ToArray());
        return null;
    }

    public string? CompleteInstall(CommitCertificate baseCertificate)
    {
        ArgumentNullException.ThrowIfNull(baseCertificate);
        if (_install is not { } install || _store is not IReplaceableStore store)
        {
            return "no install is under way";
        }
        if (install.Chunks.Count != install.Manifest.ChunkHashes.Count)
        {
            return $"{install.Manifest.ChunkHashes.Count - install.Chunks.Count} chunks are still missing";
        }
        _install = null;
        try
        {
            var import = new SnapshotImport(store, install.Manifest, install.CertifiedDigest);
            store.BeginReplace();
            for (var i = 0; i < install.Chunks.Count; i++)
            {
                import.Accept(i, install.Chunks[i]);
            }
            var head = import.Complete(baseCertificate);
            var block = _store.GetBlock(head.Height) ?? throw new StorageException($"the installed base block {head.Height} cannot be read back");
            lock (_headLock)
            {
                _head = new ExecutedHead(head.Height, block.Header.TimeUnixMs, Hash.FromByteString(block.Header.StateRoot));
            }
            InstalledSnapshotHeight = head.Height;
            _metrics.Height.Set(head.Height);
            return null;
        }
        catch (Exception e) when (e is SnapshotRejectedException or StorageException)
        {
            // The chunks matched a certified manifest, so this is a fault of this node's disk: the
            // store now holds an unfinished import, which the node discards when it starts again.
            throw new StorageException($"Installing the snapshot at {install.Manifest.Height} failed after the old chain was dropped: {e.Message}. Restart the node.", e);
        }
    }

    public void AbandonInstall() => _install = null;

    private SnapshotExport? Built(ulong sequence)
    {
        Task<SnapshotExport?>? task;
        lock (_snapshotLock)
        {
            _snapshots.TryGetValue(sequence, out task);
        }
        return task is { IsCompletedSuccessfully: true } ? task.Result : null;
    }

    private sealed record PendingInstall(SnapshotManifest Manifest, Hash CertifiedDigest, List<byte[]> Chunks);
}
