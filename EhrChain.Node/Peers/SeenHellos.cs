using System.Collections.Concurrent;

namespace EhrChain.Node.Peers;

/// <summary>
/// Every hello accepted in the last <see cref="PeerHandshake.MaxAge"/>, by signature: a hello opens
/// one stream, once. Over TLS a copied hello already fails its certificate binding; this also
/// refuses an exact replay on a plaintext network, and a second use on the same certificate.
/// Only verified hellos get in, so a stranger cannot fill it.
/// </summary>
internal sealed class SeenHellos(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, long> _expiresAtMs = new(StringComparer.Ordinal);

    public int Count => _expiresAtMs.Count;

    /// <summary>True the first time a (verified) hello is offered; false for every later offer while it could still pass the time check.</summary>
    public bool TryUse(PeerHello hello)
    {
        ArgumentNullException.ThrowIfNull(hello);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var (key, expires) in _expiresAtMs)
        {
            if (expires < now)
            {
                _expiresAtMs.TryRemove(key, out _);
            }
        }
        // After its time plus MaxAge the time check refuses the hello anyway.
        var expiry = hello.TimeUnixMs + (long)PeerHandshake.MaxAge.TotalMilliseconds;
        return _expiresAtMs.TryAdd(Convert.ToBase64String(hello.Signature.Span), expiry);
    }
}
