using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Core.Chain;

/// <summary>
/// The hashes validators attest. Fixed layouts with domain prefixes rather than protobuf's
/// encoder, so every implementation derives the same digest from the same content:
/// chunk hash = H("ehrchain/v1/snapshot-chunk\0" || index u32 || bytes), and
/// digest = H("ehrchain/v1/snapshot\0" || height u64 || block hash || state root || total bytes u64
/// || chunk count u32 || chunk hashes), integers big-endian. A digest over chunk hashes lets a
/// joining node refuse a bad chunk as soon as it arrives, not after the whole transfer.
/// </summary>
public static class SnapshotDigest
{
    private static readonly byte[] ChunkDomain = Encoding.ASCII.GetBytes("ehrchain/v1/snapshot-chunk\0");
    private static readonly byte[] SnapshotDomain = Encoding.ASCII.GetBytes("ehrchain/v1/snapshot\0");

    public static Hash ChunkHash(int index, ReadOnlySpan<byte> chunk)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(ChunkDomain);
        Span<byte> number = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)index);
        sha.AppendData(number);
        sha.AppendData(chunk);
        return Finish(sha);
    }

    /// <summary>The digest of a manifest; throws <see cref="FormatException"/> when a hash in it is not 32 bytes.</summary>
    public static Hash Of(SnapshotManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.BlockHash.Length != Hash.Size || manifest.StateRoot.Length != Hash.Size)
        {
            throw new FormatException("The manifest's block hash or state root is not 32 bytes.");
        }
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(SnapshotDomain);
        Span<byte> number = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(number, manifest.Height);
        sha.AppendData(number);
        sha.AppendData(manifest.BlockHash.Span);
        sha.AppendData(manifest.StateRoot.Span);
        BinaryPrimitives.WriteUInt64BigEndian(number, manifest.TotalBytes);
        sha.AppendData(number);
        BinaryPrimitives.WriteUInt32BigEndian(number, (uint)manifest.ChunkHashes.Count);
        sha.AppendData(number[..4]);
        foreach (var chunk in manifest.ChunkHashes)
        {
            if (chunk.Length != Hash.Size)
            {
                throw new FormatException("A chunk hash in the manifest is not 32 bytes.");
            }
            sha.AppendData(chunk.Span);
        }
        return Finish(sha);
    }

    private static Hash Finish(IncrementalHash sha)
    {
        Span<byte> digest = stackalloc byte[Hash.Size];
        sha.GetHashAndReset(digest);
        return new Hash(digest);
    }
}
