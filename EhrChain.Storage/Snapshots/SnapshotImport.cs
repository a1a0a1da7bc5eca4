using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage.Snapshots;

/// <summary>
/// Fills an empty store from the chunks of a snapshot whose manifest matched a certified digest.
/// Chunks come in order; each is checked against its hash in the manifest before anything of it
/// is written, and the base block against the manifest's block hash and state root, so a peer
/// can waste a transfer but cannot change what is installed.
/// </summary>
public sealed class SnapshotImport
{
    private readonly ISnapshotStore _target;
    private Block? _baseBlock;

    /// <param name="target">An empty store.</param>
    /// <param name="manifest">The manifest; it must hash to <paramref name="certifiedDigest"/>.</param>
    /// <param name="certifiedDigest">The digest 2f + 1 validators attested.</param>
    public SnapshotImport(ISnapshotStore target, SnapshotManifest manifest, Hash certifiedDigest)
    {
        _target = target ?? throw new ArgumentNullException(nameof(target));
        Manifest = manifest ?? throw new ArgumentNullException(nameof(manifest));
        if (DigestOf(manifest) != certifiedDigest)
        {
            throw new SnapshotRejectedException("the manifest does not hash to the certified snapshot digest");
        }
        if (manifest.ChunkHashes.Count == 0)
        {
            throw new SnapshotRejectedException("the manifest lists no chunks");
        }
    }

    public SnapshotManifest Manifest { get; }
    public int NextChunk { get; private set; }
    public bool AllChunksImported => NextChunk == Manifest.ChunkHashes.Count;
    public ulong BytesImported { get; private set; }

    /// <summary>Checks chunk <see cref="NextChunk"/> against its hash and writes its records; throws <see cref="SnapshotRejectedException"/> and writes nothing when it does not match.</summary>
    public void Accept(int index, ReadOnlySpan<byte> chunk)
    {
        if (index != NextChunk || AllChunksImported)
        {
            throw new SnapshotRejectedException($"chunk {index} arrived where chunk {NextChunk} was expected");
        }
        if (SnapshotDigest.ChunkHash(index, chunk) != Hash.FromByteString(Manifest.ChunkHashes[index]))
        {
            throw new SnapshotRejectedException($"chunk {index} does not match its hash in the manifest");
        }
        var records = SnapshotChunkCodec.Decode(chunk);
        foreach (var record in records.Where(r => r.Family == SnapshotFamily.BaseBlock))
        {
            _baseBlock = CheckBaseBlock(record);
        }
        _target.ImportRecords(records.Where(r => r.Family != SnapshotFamily.BaseBlock).ToList());
        NextChunk++;
        BytesImported += (ulong)chunk.Length;
    }

    /// <summary>The base block as the snapshot holds it (without a certificate), once its chunk is in.</summary>
    public Block? BaseBlock => _baseBlock;

    /// <summary>
    /// Makes the imported snapshot the store's chain, once every chunk is in, with the base block
    /// carrying <paramref name="certificate"/>: the caller, which knows the validators, has checked it.
    /// </summary>
    public ChainHead Complete(CommitCertificate? certificate)
    {
        if (!AllChunksImported)
        {
            throw new SnapshotRejectedException($"{Manifest.ChunkHashes.Count - NextChunk} chunks are still missing");
        }
        if (_baseBlock is null)
        {
            throw new SnapshotRejectedException("the snapshot holds no base block");
        }
        var block = _baseBlock.Clone();
        block.Certificate = certificate;
        _target.CompleteImport(block);
        return new ChainHead(Manifest.Height, Hash.FromByteString(Manifest.BlockHash));
    }

    private static Hash DigestOf(SnapshotManifest manifest)
    {
        try
        {
            return SnapshotDigest.Of(manifest);
        }
        catch (FormatException e)
        {
            throw new SnapshotRejectedException("the manifest is malformed: " + e.Message, e);
        }
    }

    private Block CheckBaseBlock(SnapshotRecord record)
    {
        Block block;
        try
        {
            block = Block.Parser.ParseFrom(record.Value);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new SnapshotRejectedException("the base block does not decode", e);
        }
        if (_baseBlock is not null || block.Header is null || block.Header.Height != Manifest.Height
            || !record.Key.AsSpan().SequenceEqual(StorageEncoding.Height(Manifest.Height))
            || BlockHashing.HeaderHash(block.Header) != Hash.FromByteString(Manifest.BlockHash)
            || block.Header.StateRoot != Manifest.StateRoot)
        {
            throw new SnapshotRejectedException("the base block is not the block the manifest names");
        }
        return block;
    }
}
