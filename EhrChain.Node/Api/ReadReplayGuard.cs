using EhrChain.Contracts.Queries;

namespace EhrChain.Node.Api;

/// <summary>
/// Remembers each (reader, nonce) this node has answered while its read request is still fresh, so
/// a captured request cannot be answered again. A request is fresh for the verifier's skew either
/// side of its own time, so it is remembered until then and forgotten after, when the verifier
/// refuses it anyway. Only requests whose signature checked out are remembered: a stranger cannot
/// fill the memory or burn someone else's nonces. The memory is bounded twice: each reader may have
/// at most a share of it remembered at once, so one enrolled participant who reads flat out is
/// slowed alone instead of locking every reader out; and the whole is bounded as a backstop against
/// many readers at once. When a bound is reached the node refuses new reads rather than forget a
/// fresh request that could then be replayed.
/// </summary>
public sealed class ReadReplayGuard
{
    /// <summary>The default bound: at 100 bytes an entry, some 20 MB, and about 330 reads/s for ten minutes.</summary>
    public const int DefaultCapacity = 200_000;

    /// <summary>
    /// How many fresh requests one reader may have remembered at once. A request is remembered for
    /// about the skew (5 minutes), so this lets a reader make some 3 reads a second without pause,
    /// far above what a clinician's client does, while 200 readers flat out are needed to reach the
    /// global bound: one enrolled participant can no longer fill the memory for everyone.
    /// </summary>
    public const int DefaultPerReaderCapacity = 1_000;

    private readonly Lock _lock = new();
    private readonly HashSet<(string Reader, ulong Nonce)> _seen = [];
    private readonly PriorityQueue<(string Reader, ulong Nonce), long> _byExpiry = new();
    private readonly Dictionary<string, int> _perReader = new(StringComparer.Ordinal);
    private readonly long _skewMs;
    private readonly int _capacity;
    private readonly int _perReaderCapacity;

    public ReadReplayGuard()
        : this(ReadRequestVerifier.DefaultMaxSkew, DefaultCapacity, DefaultPerReaderCapacity)
    {
    }

    public ReadReplayGuard(TimeSpan maxSkew, int capacity, int perReaderCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(perReaderCapacity, 1);
        _skewMs = (long)maxSkew.TotalMilliseconds;
        _capacity = capacity;
        _perReaderCapacity = perReaderCapacity;
    }

    public enum Outcome
    {
        First,
        Replayed,

        /// <summary>This reader has its whole share remembered; other readers are still served.</summary>
        ReaderFull,

        /// <summary>The backstop: the memory as a whole is full.</summary>
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
                Forget(oldest.Reader);
            }
            if (_seen.Contains((readerId, nonce)))
            {
                return Outcome.Replayed;
            }
            var held = _perReader.GetValueOrDefault(readerId);
            if (held >= _perReaderCapacity)
            {
                return Outcome.ReaderFull;
            }
            if (_seen.Count >= _capacity)
            {
                return Outcome.Full;
            }
            _seen.Add((readerId, nonce));
            _byExpiry.Enqueue((readerId, nonce), forgetAt);
            _perReader[readerId] = held + 1;
            return Outcome.First;
        }
    }

    // Drops a reader's count with its last request, so the table holds only readers with fresh requests.
    private void Forget(string readerId)
    {
        var held = _perReader[readerId] - 1;
        if (held == 0)
        {
            _perReader.Remove(readerId);
        }
        else
        {
            _perReader[readerId] = held;
        }
    }
}
