namespace EhrChain.Bench;

/// <summary>A process the benchmark watches: a node of the local cluster, or the benchmark itself.</summary>
internal sealed record WatchedProcess(string Name, int Pid);

/// <summary>A process's figures over the measured window.</summary>
internal sealed record ProcessSummary(string Name, int Pid, double CpuPercent, double RssMb, double PeakRssMb);

/// <summary>One process at one second: CPU used in that second (100% = one core) and resident memory.</summary>
internal sealed record ProcessPoint(int Second, double CpuPercent, double RssMb);

/// <summary>
/// Samples each watched process once a second from /proc. CPU is averaged over the measured
/// window from the readings at its start and end, so sampling jitter does not bias it.
/// </summary>
internal sealed class ProcessSampler
{
    private readonly IReadOnlyList<WatchedProcess> _processes;
    private readonly List<ProcessPoint>[] _series;
    private readonly ProcReading?[] _last;
    private readonly ProcReading?[] _windowStart;
    private readonly ProcReading?[] _windowEnd;
    private TimeSpan _lastAt;
    private TimeSpan _windowStartAt;
    private TimeSpan _windowEndAt;

    public ProcessSampler(IReadOnlyList<WatchedProcess> processes)
    {
        _processes = processes;
        _series = processes.Select(_ => new List<ProcessPoint>()).ToArray();
        _last = new ProcReading?[processes.Count];
        _windowStart = new ProcReading?[processes.Count];
        _windowEnd = new ProcReading?[processes.Count];
    }

    public IReadOnlyList<WatchedProcess> Processes => _processes;

    public bool WindowEnded { get; private set; }

    /// <summary>Takes one reading of every process at <paramref name="at"/> since the start of the run.</summary>
    public void Sample(TimeSpan at)
    {
        var interval = (at - _lastAt).TotalSeconds;
        for (var i = 0; i < _processes.Count; i++)
        {
            var reading = ProcStats.Read(_processes[i].Pid);
            if (reading is { } now && _last[i] is { } before && interval > 0)
            {
                var cpu = (now.CpuTime - before.CpuTime).TotalSeconds / interval * 100;
                _series[i].Add(new ProcessPoint((int)Math.Round(at.TotalSeconds), cpu, now.RssBytes / 1048576.0));
            }
            _last[i] = reading;
        }
        _lastAt = at;
    }

    public void MarkWindowStart(TimeSpan at)
    {
        Sample(at);
        Array.Copy(_last, _windowStart, _last.Length);
        _windowStartAt = at;
    }

    public void MarkWindowEnd(TimeSpan at)
    {
        Sample(at);
        Array.Copy(_last, _windowEnd, _last.Length);
        _windowEndAt = at;
        WindowEnded = true;
    }

    public IReadOnlyList<ProcessPoint> Series(int index) => _series[index];

    /// <summary>Mean CPU over the window, resident memory at the last reading, and the peak the kernel recorded.</summary>
    public IReadOnlyList<ProcessSummary> Summaries()
    {
        var seconds = (_windowEndAt - _windowStartAt).TotalSeconds;
        return _processes.Select((p, i) =>
        {
            var cpu = _windowStart[i] is { } start && _windowEnd[i] is { } end && seconds > 0
                ? (end.CpuTime - start.CpuTime).TotalSeconds / seconds * 100
                : double.NaN;
            var last = _last[i];
            return new ProcessSummary(p.Name, p.Pid, cpu, last is { } l ? l.RssBytes / 1048576.0 : double.NaN, last is { } m ? m.PeakRssBytes / 1048576.0 : double.NaN);
        }).ToList();
    }
}
