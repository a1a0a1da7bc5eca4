using HdrHistogram;

namespace EhrChain.Bench;

/// <summary>One second of the run: what was submitted, committed and rejected in it, and the latency of what committed.</summary>
internal sealed record TimelinePoint(int Second, bool Warmup, long Submitted, long Committed, long Rejected, double P50Ms, double P99Ms);

/// <summary>
/// Per-second counters over the whole run, warmup included (it is flagged), for the report's
/// charts. Thread-safe: clients add submissions while the commit tracker adds commits.
/// </summary>
internal sealed class BenchTimeline(TimeSpan warmup)
{
    private readonly Lock _lock = new();
    private readonly List<Bucket> _buckets = [];

    public void Submitted(TimeSpan at)
    {
        lock (_lock)
        {
            BucketAt(at).Submitted++;
        }
    }

    public void Committed(TimeSpan at, TimeSpan latency)
    {
        lock (_lock)
        {
            var bucket = BucketAt(at);
            bucket.Committed++;
            LatencySummary.Record(bucket.Latency, latency);
        }
    }

    public void Rejected(TimeSpan at)
    {
        lock (_lock)
        {
            BucketAt(at).Rejected++;
        }
    }

    public IReadOnlyList<TimelinePoint> Points()
    {
        lock (_lock)
        {
            return _buckets.Select((b, i) =>
            {
                var latency = LatencySummary.From(b.Latency);
                return new TimelinePoint(i, TimeSpan.FromSeconds(i) < warmup, b.Submitted, b.Committed, b.Rejected, latency.P50Ms, latency.P99Ms);
            }).ToList();
        }
    }

    private Bucket BucketAt(TimeSpan at)
    {
        var second = Math.Max(0, (int)at.TotalSeconds);
        while (_buckets.Count <= second)
        {
            _buckets.Add(new Bucket());
        }
        return _buckets[second];
    }

    private sealed class Bucket
    {
        // Two significant digits keep a bucket small; the run's own histogram keeps three.
        public LongHistogram Latency { get; } = new(LatencySummary.HighestMicros, 2);
        public long Submitted { get; set; }
        public long Committed { get; set; }
        public long Rejected { get; set; }
    }
}
