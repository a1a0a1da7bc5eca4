using EhrChain.Contracts.Queries;

namespace EhrChain.Node.Api;

/// <summary>
/// Remembers each (reader, nonce) this node has answered while its read request is still fresh, so
/// a captured request cannot be answered again. A request is fresh for the verifier's skew either
/// side of its own time, so it is remembered until then and forgotten after, when the verifier
/// refuses it anyway. Only requests whose signature checked out are remembered: a stranger cannot
/// fill the memory or burn someone else's nonces. The memory is bounded; when it is full of fresh
/// requests the node refuses new reads rather than forget one that could then be replayed.
/// </summary>
public sealed class ReadReplayGuard
{
    /// <summary>The default bound: at 100 bytes an entry, some 20 MB, and about 330 reads/s for ten minutes.</summary>
    public const int DefaultCapacity = 200_000;

    private readonly Lock _lock = new();
    private readonly HashSet<(string Reader, ulong Nonce)> _seen = [];
    private readonly PriorityQueue<(string Reader, ulong Nonce), long> _byExpiry = new();
    private readonly long _skewMs;
    private readonly int _capacity;

    public ReadReplayGuard()
        : this(ReadRequestVerifier.DefaultMaxSkew, DefaultCapacity)
    {
    }

    public ReadReplayGuard(TimeSpan maxSkew, int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _skewMs = (long)maxSkew.TotalMilliseconds;
        _capacity = capacity;
    }

    public enum Outcome
    {
        First,
        Replayed,
        Full,
    }

    /// <summary>
    /// Records a verified request; says whether it was seen before, or whether there is no room to
    /// remember it. <paramref name="now"/> is the time the verifier judged freshness against.
    /// </summary>
    public Outcome Remember(string readerId, ulong nonce, long createdUnixMs, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(readerId);
        var nowMs = now.ToUnixTimeMilliseconds();
        // A verified request's time is within the skew of now, so this cannot overflow.
        var forgetAt = createdUnixMs + _skewMs;
        lock (_lock)
        {
            while (_byExpiry.TryPeek(out var oldest, out var at) && at < nowMs)
            {
                _byExpiry.Dequeue();
                _seen.Remove(oldest);
            }
            if (_seen.Contains((readerId, nonce)))
            {
                return Outcome.Replayed;
            }
            if (_seen.Count >= _capacity)
            {
                return Outcome.Full;
            }
            _seen.Add((readerId, nonce));
            _byExpiry.Enqueue((readerId, nonce), forgetAt);
            return Outcome.First;
        }
    }
}
