namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// One replica's view of simulated time: its wall clock is off by <see cref="Offset"/>, while its
/// timers and elapsed-time measurements run on the shared event queue, as a real machine's
/// monotonic clock keeps ticking at the same rate while its wall clock is wrong.
/// </summary>
internal sealed class SkewedClock(SimClock clock, TimeSpan offset) : TimeProvider
{
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => clock.GetUtcNow() + Offset;

    public override long GetTimestamp() => clock.GetTimestamp();

    public override long TimestampFrequency => clock.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        clock.CreateTimer(callback, state, dueTime, period);
}
