using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

// State sync in the simulation. A simulated node's state is its state root and the digests of
// every request it executed (what a node's tx index holds), so a snapshot at S is batch S (chunk
// 0, for the base block) and the sorted request digests in chunks of a few hundred bytes.
// Blocks below an installed snapshot are not kept: ReadCommitted serves from its height on.
internal sealed partial class SimApplication : IStateSyncApplication
{
    private const int ChunkBytes = 16 * Hash.Size;
    private readonly Dictionary<ulong, (SnapshotManifest Manifest, List<byte[]> Chunks)> _snapshots = [];
    private readonly HashSet<Hash> _installedRequests = [];
    private (ExecutedHead Head, CommittedBatch Batch)? _base;
    private (SnapshotManifest Manifest, List<byte[]> Chunks)? _installing;

    private ulong BaseSequence => _base?.Head.Sequence ?? 0;

    /// <summary>The sequence the chain starts at after a snapshot install; 0 for a chain kept from the first batch.</summary>
    public ulong InstalledFrom => BaseSequence;

    /// <summary>Digests of every request executed up to the head, the installed ones included.</summary>
    public IEnumerable<Hash> ExecutedRequests =>
        _installedRequests.Concat(_chain.SelectMany(c => c.Batch.Requests).Select(ConsensusHashing.RequestDigest));

    public void PrepareSnapshot(ulong sequence)
    {
        var head = LastExecuted;
        if (head.Sequence != sequence)
        {
            return;
        }
        var baseBatch = ReadCommitted(sequence, 1)[0];
        var chunks = new List<byte[]> { new Batch { TimeUnixMs = baseBatch.TimeUnixMs, Requests = { baseBatch.Requests } }.ToByteArray() };
        var digests = ExecutedRequests.Select(d => d.ToArray()).OrderBy(d => d, EhrChain.Storage.ByteArrayComparer.Instance).ToList();
        foreach (var group in digests.Chunk(ChunkBytes / Hash.Size))
        {
            chunks.Add(group.SelectMany(d => d).ToArray());
        }
        var manifest = new SnapshotManifest
        {
            Height = sequence,
            BlockHash = BaseBlockHash(sequence, head.StateRoot).ToByteString(),
            StateRoot = head.StateRoot.ToByteString(),
            TotalBytes = (ulong)chunks.Sum(c => c.Length),
        };
        for (var i = 0; i < chunks.Count; i++)
        {
            manifest.ChunkHashes.Add(SnapshotDigest.ChunkHash(i, chunks[i]).ToByteString());
        }
        _snapshots[sequence] = (manifest, chunks);
    }

    public SnapshotManifest? PreparedSnapshot(ulong sequence) => _snapshots.TryGetValue(sequence, out var s) ? s.Manifest : null;

    /// <summary>When set, this node serves every chunk whose index is congruent to it modulo 3 with one byte flipped.</summary>
    public int? CorruptsChunksAt { get; set; }

    public byte[]? ReadSnapshotChunk(ulong sequence, int index)
    {
        if (!_snapshots.TryGetValue(sequence, out var s) || index >= s.Chunks.Count)
        {
            return null;
        }
        var chunk = (byte[])s.Chunks[index].Clone();
        if (CorruptsChunksAt is { } residue && index % 3 == residue)
        {
            chunk[^1] ^= 0x01;
        }
        return chunk;
    }

    public void RetainSnapshots(IReadOnlyCollection<ulong> sequences)
    {
        foreach (var old in _snapshots.Keys.Where(k => !sequences.Contains(k)).ToList())
        {
            _snapshots.Remove(old);
        }
    }

    public string? BeginInstall(SnapshotManifest manifest, Hash certifiedDigest)
    {
        if (SnapshotDigest.Of(manifest) != certifiedDigest)
        {
            return "the manifest does not match the certified digest";
        }
        _installing = (manifest, []);
        return null;
    }

    public string? InstallChunk(int index, ReadOnlyMemory<byte> chunk)
    {
        if (_installing is not { } installing || index != installing.Chunks.Count || index >= installing.Manifest.ChunkHashes.Count)
        {
            return "no install expects that chunk";
        }
        if (SnapshotDigest.ChunkHash(index, chunk.Span) != Hash.FromByteString(installing.Manifest.ChunkHashes[index]))
        {
            return $"chunk {index} does not match its hash";
        }
        installing.Chunks.Add(chunk.ToArray());
        return null;
    }

    public string? CompleteInstall(CommitCertificate baseCertificate)
    {
        if (_installing is not { } installing || installing.Chunks.Count != installing.Manifest.ChunkHashes.Count)
        {
            return "the install is not complete";
        }
        var batch = Batch.Parser.ParseFrom(installing.Chunks[0]);
        if (ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests) != Hash.FromByteString(baseCertificate.BatchDigest))
        {
            return "the base certificate is for another batch";
        }
        var manifest = installing.Manifest;
        _chain.Clear();
        _installedRequests.Clear();
        foreach (var digests in installing.Chunks.Skip(1))
        {
            for (var offset = 0; offset < digests.Length; offset += Hash.Size)
            {
                _installedRequests.Add(new Hash(digests.AsSpan(offset, Hash.Size)));
            }
        }
        var head = new ExecutedHead(manifest.Height, batch.TimeUnixMs, Hash.FromByteString(manifest.StateRoot));
        _base = (head, new CommittedBatch(manifest.Height, baseCertificate.View, "", batch.TimeUnixMs, [.. batch.Requests], baseCertificate));
        _installing = null;
        return null;
    }

    public void AbandonInstall() => _installing = null;

    private static Hash BaseBlockHash(ulong sequence, Hash root) =>
        Hash.Compute(BitConverter.GetBytes(sequence), root.ToArray());
}
