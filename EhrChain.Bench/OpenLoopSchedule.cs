namespace EhrChain.Bench;

/// <summary>
/// When each transaction of an open loop is due: the k-th (from 0) at k / rate seconds after the
/// start, whatever happened to the ones before. Latency is measured from this due time, not from
/// when the client got round to sending, so a stalled cluster cannot hide its stall by slowing
/// the load generator down (coordinated omission).
/// </summary>
internal sealed class OpenLoopSchedule
{
    private readonly double _rate;

    public OpenLoopSchedule(double rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        _rate = rate;
    }

    public double Rate => _rate;

    /// <summary>The due time of transaction <paramref name="index"/>, from the start.</summary>
    public TimeSpan DueAt(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        // Rounded up to a whole tick, so DueAt(k) <= t exactly when DueBy(t) > k.
        return TimeSpan.FromTicks((long)Math.Ceiling(index * TimeSpan.TicksPerSecond / _rate));
    }

    /// <summary>How many transactions are due by <paramref name="elapsed"/> (those with DueAt ≤ elapsed).</summary>
    public long DueBy(TimeSpan elapsed) =>
        elapsed < TimeSpan.Zero ? 0 : (long)Math.Floor(elapsed.Ticks * _rate / TimeSpan.TicksPerSecond) + 1;

    /// <summary>How many transactions a run of <paramref name="length"/> needs.</summary>
    public long CountFor(TimeSpan length) => DueBy(length);
}
