namespace EhrChain.Consensus;

/// <summary>
/// One <see cref="ITimer"/> per <see cref="ReplicaTimer"/> kind from the <see cref="TimeProvider"/>.
/// A firing is handed to <c>fired</c> with a generation number; the replica ignores a firing whose
/// generation is stale, because a timer callback can race with the timer being re-armed.
/// </summary>
internal sealed class ReplicaTimers : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Action<ReplicaTimer, long> _fired;
    private readonly ITimer?[] _timers = new ITimer?[Enum.GetValues<ReplicaTimer>().Length];
    private readonly long[] _generations = new long[Enum.GetValues<ReplicaTimer>().Length];

    public ReplicaTimers(TimeProvider time, Action<ReplicaTimer, long> fired)
    {
        _time = time;
        _fired = fired;
    }

    public bool IsArmed(ReplicaTimer kind) => _timers[(int)kind] is not null;

    public void Arm(ReplicaTimer kind, TimeSpan due)
    {
        Cancel(kind);
        var generation = ++_generations[(int)kind];
        _timers[(int)kind] = _time.CreateTimer(_ => _fired(kind, generation), null, due, Timeout.InfiniteTimeSpan);
    }

    public void Cancel(ReplicaTimer kind)
    {
        _generations[(int)kind]++;
        _timers[(int)kind]?.Dispose();
        _timers[(int)kind] = null;
    }

    /// <summary>True when the firing is the current one; the timer is then no longer armed.</summary>
    public bool Accept(ReplicaTimer kind, long generation)
    {
        if (generation != _generations[(int)kind])
        {
            return false;
        }
        _timers[(int)kind]?.Dispose();
        _timers[(int)kind] = null;
        return true;
    }

    public void Dispose()
    {
        foreach (var kind in Enum.GetValues<ReplicaTimer>())
        {
            Cancel(kind);
        }
    }
}
