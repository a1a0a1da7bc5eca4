using System.Buffers.Binary;
using System.Security.Cryptography;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>
/// The fixed byte layouts consensus hashes and signs. They are written here by hand rather than
/// taken from a protobuf encoder, so the batch digest can be recomputed from a stored block (its
/// transaction bytes and header time) and a commit certificate checked in any language.
/// </summary>
public static class ConsensusHashing
{
    private static readonly byte[] BatchPrefix = "ehrchain/v1/batch\0"u8.ToArray();
    private static readonly byte[] CommitPrefix = "ehrchain/v1/commit\0"u8.ToArray();

    /// <summary>Size of <see cref="CommitBytes"/>.</summary>
    public static int CommitBytesLength => CommitPrefix.Length + 8 + 8 + Hash.Size;

    /// <summary>
    /// SHA-256 of <c>"ehrchain/v1/batch\0" || time i64 || count u32 || SHA-256(request_1) || ... ||
    /// SHA-256(request_count)</c>, integers big-endian. Hashing each request first keeps the
    /// digest cheap to recompute and binds the request boundaries.
    /// </summary>
    public static Hash BatchDigest(long timeUnixMs, IReadOnlyList<ByteString> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        return BatchDigestOf(timeUnixMs, requests.Count, requests.Select(RequestDigest));
    }

    /// <summary>
    /// <see cref="BatchDigest(long, IReadOnlyList{ByteString})"/> from the request digests alone, so
    /// a receipt can prove a certificate covers a block without carrying the other transactions.
    /// </summary>
    public static Hash BatchDigestOfDigests(long timeUnixMs, IReadOnlyList<Hash> requestDigests)
    {
        ArgumentNullException.ThrowIfNull(requestDigests);
        return BatchDigestOf(timeUnixMs, requestDigests.Count, requestDigests);
    }

    private static Hash BatchDigestOf(long timeUnixMs, int count, IEnumerable<Hash> requestDigests)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> header = stackalloc byte[8 + 4];
        BinaryPrimitives.WriteInt64BigEndian(header, timeUnixMs);
        BinaryPrimitives.WriteUInt32BigEndian(header[8..], (uint)count);
        sha.AppendData(BatchPrefix);
        sha.AppendData(header);
        Span<byte> requestHash = stackalloc byte[Hash.Size];
        foreach (var requestDigest in requestDigests)
        {
            requestDigest.WriteTo(requestHash);
            sha.AppendData(requestHash);
        }
        Span<byte> digest = stackalloc byte[Hash.Size];
        sha.GetHashAndReset(digest);
        return new Hash(digest);
    }

    /// <summary>
    /// <c>"ehrchain/v1/commit\0" || view u64 || sequence u64 || digest (32)</c>, integers
    /// big-endian: what a COMMIT's certificate signature covers.
    /// </summary>
    public static byte[] CommitBytes(ulong view, ulong sequence, Hash digest)
    {
        var bytes = new byte[CommitBytesLength];
        var span = bytes.AsSpan();
        CommitPrefix.CopyTo(span);
        var at = CommitPrefix.Length;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], view);
        BinaryPrimitives.WriteUInt64BigEndian(span[(at + 8)..], sequence);
        digest.WriteTo(span[(at + 16)..]);
        return bytes;
    }

    /// <summary>
    /// The identity of a request in the pool and in the committed set: SHA-256 of its bytes.
    /// Computed once where a request arrives (a client's submission, a FORWARD or PRE-PREPARE in
    /// the driver, the primary's pool) and carried with it to the slot, the committed batch and the
    /// block's tx root.
    /// </summary>
    public static Hash RequestDigest(ByteString request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return Hash.Compute(request.Span);
    }
}
