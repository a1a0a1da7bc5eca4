using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Storage.Snapshots;

/// <summary>
/// A snapshot of a store at its head, cut into chunks of at most <c>chunkBytes</c> (a record larger
/// than that travels alone), with its manifest and digest. It keeps the store snapshot it read
/// open, so every chunk it serves later is cut from the same content the digest covers; disposing
/// it releases that snapshot.
/// </summary>
public sealed class SnapshotExport : IDisposable
{
    public const int DefaultChunkBytes = 1024 * 1024;

    private readonly IStoreSnapshot _snapshot;
    private readonly List<SnapshotPosition> _chunkStarts;
    private readonly List<int> _chunkRecords;

    private SnapshotExport(IStoreSnapshot snapshot, SnapshotManifest manifest, List<SnapshotPosition> chunkStarts, List<int> chunkRecords)
    {
        _snapshot = snapshot;
        Manifest = manifest;
        Digest = SnapshotDigest.Of(manifest);
        _chunkStarts = chunkStarts;
        _chunkRecords = chunkRecords;
    }

    public SnapshotManifest Manifest { get; }
    public Hash Digest { get; }
    public ulong Height => Manifest.Height;
    public int ChunkCount => _chunkStarts.Count;

    /// <summary>Reads the store once to cut and hash every chunk; the store snapshot stays open for <see cref="ReadChunk"/>.</summary>
    public static SnapshotExport Create(ISnapshotStore store, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(store);
        return Create(store.OpenSnapshot(), chunkBytes);
    }

    /// <summary>
    /// Cuts and hashes the chunks of a store snapshot already open, and takes it over. A node opens
    /// the snapshot on its consensus loop right after the block (cheap: RocksDB pins a sequence
    /// number) and runs this, which reads everything, on another thread.
    /// </summary>
    public static SnapshotExport Create(IStoreSnapshot snapshot, int chunkBytes = DefaultChunkBytes)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (chunkBytes < 64)
        {
            snapshot.Dispose();
            throw new ArgumentOutOfRangeException(nameof(chunkBytes), "A chunk holds at least 64 bytes.");
        }
        try
        {
            if (snapshot.Head is not { } head || snapshot.HeadBlock is not { } block)
            {
                throw new StorageException("An empty store has no snapshot.");
            }
            var manifest = new SnapshotManifest
            {
                Height = head.Height,
                BlockHash = head.Hash.ToByteString(),
                StateRoot = block.Header.StateRoot,
            };
            var starts = new List<SnapshotPosition>();
            var counts = new List<int>();
            using var chunk = new MemoryStream();
            var records = 0;
            void Cut()
            {
                manifest.ChunkHashes.Add(SnapshotDigest.ChunkHash(manifest.ChunkHashes.Count, chunk.GetBuffer().AsSpan(0, (int)chunk.Length)).ToByteString());
                manifest.TotalBytes += (ulong)chunk.Length;
                counts.Add(records);
                chunk.SetLength(0);
                records = 0;
            }
            foreach (var record in AllRecords(snapshot, SnapshotPosition.Start))
            {
                if (records > 0 && chunk.Length + SnapshotChunkCodec.EncodedSize(record) > chunkBytes)
                {
                    Cut();
                }
                if (records == 0)
                {
                    starts.Add(new SnapshotPosition(record.Family, record.Key));
                }
                SnapshotChunkCodec.Append(chunk, record);
                records++;
            }
            if (records > 0)
            {
                Cut();
            }
            return new SnapshotExport(snapshot, manifest, starts, counts);
        }
        catch
        {
            snapshot.Dispose();
            throw;
        }
    }

    /// <summary>The bytes of chunk <paramref name="index"/>, exactly as hashed into the manifest.</summary>
    public byte[] ReadChunk(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, ChunkCount);
        using var chunk = new MemoryStream();
        foreach (var record in AllRecords(_snapshot, _chunkStarts[index]).Take(_chunkRecords[index]))
        {
            SnapshotChunkCodec.Append(chunk, record);
        }
        return chunk.ToArray();
    }

    public void Dispose() => _snapshot.Dispose();

    // The base block goes first and without its commit certificate: each validator assembled its
    // own 2f + 1 of the COMMITs, so certificates differ between honest stores and would make their
    // digests differ. The joining node gets a certificate beside the snapshot and checks it itself.
    private static IEnumerable<SnapshotRecord> AllRecords(IStoreSnapshot snapshot, SnapshotPosition from)
    {
        if (from.Family == SnapshotFamily.BaseBlock)
        {
            var block = snapshot.HeadBlock!.Clone();
            block.Certificate = null;
            yield return new SnapshotRecord(SnapshotFamily.BaseBlock, StorageEncoding.Height(block.Header.Height), block.ToByteArray());
            from = new SnapshotPosition(SnapshotFamily.TxIndex, []);
        }
        foreach (var record in snapshot.Records(from))
        {
            yield return record;
        }
    }
}
