namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Simulated time: a queue of events ordered by due time, then by the order they were scheduled,
/// so a run never depends on wall-clock time or thread scheduling. Replica timers are events too.
/// </summary>
internal sealed class SimClock : TimeProvider
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly PriorityQueue<SimEvent, (long Due, long Order)> _queue = new();
    private long _order;

    public long NowTicks { get; private set; }

    public TimeSpan Elapsed => TimeSpan.FromTicks(NowTicks);

    public static long GenesisTimeUnixMs => Epoch.ToUnixTimeMilliseconds();

    public override DateTimeOffset GetUtcNow() => Epoch + TimeSpan.FromTicks(NowTicks);

    public override long GetTimestamp() => NowTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new SimTimer(this, callback, state, dueTime, period);

    public SimEvent Schedule(TimeSpan delay, Action action)
    {
        var item = new SimEvent(action);
        _queue.Enqueue(item, (NowTicks + Math.Max(0, delay.Ticks), _order++));
        return item;
    }

    /// <summary>Runs the next event due no later than <paramref name="untilTicks"/>; false when there is none.</summary>
    public bool Step(long untilTicks)
    {
        while (_queue.TryPeek(out var next, out var priority))
        {
            if (priority.Due > untilTicks)
            {
                return false;
            }
            _queue.Dequeue();
            if (next.Cancelled)
            {
                continue;
            }
            NowTicks = Math.Max(NowTicks, priority.Due);
            next.Action();
            return true;
        }
        return false;
    }

    public void AdvanceTo(long ticks) => NowTicks = Math.Max(NowTicks, ticks);

    internal sealed class SimEvent(Action action)
    {
        public Action Action { get; } = action;
        public bool Cancelled { get; set; }
    }

    private sealed class SimTimer : ITimer
    {
        private readonly SimClock _clock;
        private readonly TimerCallback _callback;
        private readonly object? _state;
        private SimEvent? _pending;
        private TimeSpan _period;

        public SimTimer(SimClock clock, TimerCallback callback, object? state, TimeSpan due, TimeSpan period)
        {
            _clock = clock;
            _callback = callback;
            _state = state;
            Change(due, period);
        }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            _pending?.Cancelled = true;
            _pending = null;
            _period = period;
            if (dueTime != Timeout.InfiniteTimeSpan)
            {
                _pending = _clock.Schedule(dueTime, Fire);
            }
            return true;
        }

        private void Fire()
        {
            _pending = null;
            if (_period != Timeout.InfiniteTimeSpan && _period > TimeSpan.Zero)
            {
                _pending = _clock.Schedule(_period, Fire);
            }
            _callback(_state);
        }

        public void Dispose()
        {
            _pending?.Cancelled = true;
            _pending = null;
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
