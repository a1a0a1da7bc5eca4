using System.Collections.Concurrent;

namespace EhrChain.Core.Crypto;

/// <summary>
/// Signatures this node has already verified, so a transaction checked at admission is not
/// checked again when its block executes. An entry names the exact (payload id, signature,
/// public key) that verified, so a hit means precisely "this check returned true before":
/// reusing it cannot change any result, and a node without the entry (a peer, or after a
/// restart) simply verifies and reaches the same answer. Bounded: the oldest entries go first.
/// </summary>
public sealed class VerifiedSignatures(int capacity = 200_000)
{
    private readonly ConcurrentDictionary<Hash, byte> _verified = new();
    private readonly ConcurrentQueue<Hash> _order = new();

    public int Count => _verified.Count;

    /// <summary>Records that <paramref name="signature"/> by <paramref name="key"/> over the payload with id <paramref name="payloadId"/> verified.</summary>
    public void Add(Hash payloadId, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> key)
    {
        if (!WellFormed(signature, key))
        {
            return;
        }
        var entry = Entry(payloadId, signature, key);
        if (_verified.TryAdd(entry, 0))
        {
            _order.Enqueue(entry);
            while (_verified.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _verified.TryRemove(oldest, out _);
            }
        }
    }

    /// <summary>
    /// Whether this exact signature check succeeded before; the entry is consumed, since a
    /// transaction executes once (a replay is a duplicate and is refused before its signature matters).
    /// </summary>
    public bool TryConsume(Hash payloadId, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> key) =>
        !_verified.IsEmpty && WellFormed(signature, key) && _verified.TryRemove(Entry(payloadId, signature, key), out _);

    private static bool WellFormed(ReadOnlySpan<byte> signature, ReadOnlySpan<byte> key) =>
        signature.Length == SigningPublicKey.SignatureSize && key.Length == SigningPublicKey.Size;

    private static Hash Entry(Hash payloadId, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> key)
    {
        Span<byte> material = stackalloc byte[Hash.Size + SigningPublicKey.SignatureSize + SigningPublicKey.Size];
        payloadId.WriteTo(material);
        signature.CopyTo(material[Hash.Size..]);
        key.CopyTo(material[(Hash.Size + SigningPublicKey.SignatureSize)..]);
        return Hash.Compute(material);
    }
}
