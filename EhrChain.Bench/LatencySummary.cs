using HdrHistogram;

namespace EhrChain.Bench;

/// <summary>Submit-to-commit latency percentiles in milliseconds, read from an HdrHistogram of microseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Ms, double P95Ms, double P99Ms, double MaxMs, double MeanMs)
{
    public static readonly LatencySummary Empty = new(0, 0, 0, 0, 0, 0);

    /// <summary>Largest latency a histogram tracks: ten minutes in microseconds; anything slower is clamped to it.</summary>
    public const long HighestMicros = 10L * 60 * 1_000_000;

    /// <summary>A histogram of microseconds with three significant digits.</summary>
    public static LongHistogram NewHistogram() => new(HighestMicros, 3);

    public static void Record(HistogramBase histogram, TimeSpan latency)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        histogram.RecordValue(Math.Clamp((long)latency.TotalMicroseconds, 1, HighestMicros));
    }

    public static LatencySummary From(HistogramBase histogram)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.TotalCount == 0)
        {
            return Empty;
        }
        return new LatencySummary(
            histogram.TotalCount,
            Ms(histogram.GetValueAtPercentile(50)),
            Ms(histogram.GetValueAtPercentile(95)),
            Ms(histogram.GetValueAtPercentile(99)),
            Ms(histogram.GetMaxValue()),
            histogram.GetMean() / 1000.0);
    }

    private static double Ms(long micros) => micros / 1000.0;
}
