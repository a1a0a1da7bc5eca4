namespace EhrChain.Tests.Support;

/// <summary>
/// The system clock moved forward by an offset a test sets: the nodes of a test cluster read the
/// time from it, so a test of expiry advances it instead of sleeping. Timers and timestamps stay
/// the system's, so consensus timeouts, linger and backoff run as they do in production.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _offsetTicks;

    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;

    /// <summary>Moves the clock forward; it never goes back, as a node's clock must not.</summary>
    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        Interlocked.Add(ref _offsetTicks, by.Ticks);
    }
}
