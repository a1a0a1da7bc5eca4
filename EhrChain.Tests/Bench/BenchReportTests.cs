using EhrChain.Bench;

namespace EhrChain.Tests.Bench;

public sealed class BenchReportTests
{
    [Test]
    public void Percentiles_come_from_the_histogram_in_milliseconds()
    {
        var histogram = LatencySummary.NewHistogram();
        for (var ms = 1; ms <= 100; ms++)
        {
            LatencySummary.Record(histogram, TimeSpan.FromMilliseconds(ms));
        }
        var summary = LatencySummary.From(histogram);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary.Count, Is.EqualTo(100));
            Assert.That(summary.P50Ms, Is.EqualTo(50).Within(0.1));
            Assert.That(summary.P95Ms, Is.EqualTo(95).Within(0.1));
            Assert.That(summary.P99Ms, Is.EqualTo(99).Within(0.1));
            Assert.That(summary.MaxMs, Is.EqualTo(100).Within(0.1));
            Assert.That(summary.MeanMs, Is.EqualTo(50.5).Within(0.1));
        }
    }

    [Test]
    public void An_empty_histogram_summarises_as_zeros() =>
        Assert.That(LatencySummary.From(LatencySummary.NewHistogram()), Is.EqualTo(LatencySummary.Empty));

    [Test]
    public void A_latency_beyond_the_histogram_range_is_clamped_not_lost()
    {
        var histogram = LatencySummary.NewHistogram();
        LatencySummary.Record(histogram, TimeSpan.FromHours(2));
        Assert.That(LatencySummary.From(histogram).MaxMs, Is.EqualTo(LatencySummary.HighestMicros / 1000.0).Within(LatencySummary.HighestMicros / 1000.0 * 0.001));
    }

    [Test]
    public void The_timeline_puts_each_event_in_its_second_and_flags_the_warmup()
    {
        var timeline = new BenchTimeline(TimeSpan.FromSeconds(2));
        timeline.Submitted(TimeSpan.FromMilliseconds(100));
        timeline.Submitted(TimeSpan.FromMilliseconds(2900));
        timeline.Committed(TimeSpan.FromMilliseconds(2950), TimeSpan.FromMilliseconds(40));
        timeline.Rejected(TimeSpan.FromMilliseconds(3100));
        var points = timeline.Points();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(points, Has.Count.EqualTo(4));
            Assert.That(points.Select(p => p.Warmup), Is.EqualTo(new[] { true, true, false, false }));
            Assert.That(points[0].Submitted, Is.EqualTo(1));
            Assert.That(points[2].Committed, Is.EqualTo(1));
            Assert.That(points[2].P50Ms, Is.EqualTo(40).Within(1));
            Assert.That(points[3].Rejected, Is.EqualTo(1));
        }
    }

    [Test]
    public void A_report_survives_a_round_trip_through_json()
    {
        var report = SampleReport();
        var back = BenchReport.FromJson(report.ToJson());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(back.CommittedPerSecond, Is.EqualTo(report.CommittedPerSecond));
            Assert.That(back.Latency, Is.EqualTo(report.Latency));
            Assert.That(back.Rejections, Is.EqualTo(report.Rejections));
            Assert.That(back.Timeline, Is.EqualTo(report.Timeline));
            Assert.That(double.IsNaN(back.Processes[1].CpuPercent), Is.True);
        }
    }

    [Test]
    public void Report_json_uses_snake_case_names() =>
        Assert.That(SampleReport().ToJson(), Does.Contain("\"committed_per_second\"").And.Contain("\"p99_ms\""));

    [Test]
    public void The_page_is_self_contained_html_with_svg_charts_and_escaped_text()
    {
        var html = HtmlReport.Render(SampleReport() with { Command = "ehrchain bench <script>" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
            Assert.That(html, Does.Contain("<svg").And.Contain("<polyline"));
            Assert.That(html, Does.Not.Contain("<script"));
            Assert.That(html, Does.Contain("&lt;script&gt;"));
            Assert.That(html, Does.Not.Contain("http://").Or.Contain("xmlns=\"http://www.w3.org/2000/svg\""));
        }
    }

    [TestCase(0.0, 1.0)]
    [TestCase(0.7, 1.0)]
    [TestCase(1.0, 1.0)]
    [TestCase(1.2, 2.0)]
    [TestCase(3.0, 5.0)]
    [TestCase(730.0, 1000.0)]
    [TestCase(2100.0, 5000.0)]
    public void Chart_axes_end_at_a_round_number(double value, double expected) =>
        Assert.That(SvgChart.NiceCeiling(value), Is.EqualTo(expected).Within(1e-9));

    private static BenchReport SampleReport() => new()
    {
        StartedAt = new DateTimeOffset(2025, 1, 2, 3, 4, 5, TimeSpan.Zero),
        Machine = "test",
        Cores = 2,
        LoadAverageBefore = "0.10 0.20 0.30",
        LoadAverageAfter = "1.00 0.50 0.40",
        Command = "ehrchain bench --local 4",
        Nodes = ["127.0.0.1:17000", "127.0.0.1:17001", "127.0.0.1:17002", "127.0.0.1:17003"],
        LocalCluster = true,
        Mix = "append",
        Rate = "max",
        Clients = 16,
        PayloadBytes = 512,
        WarmupSeconds = 2,
        DurationSeconds = 3,
        Presigned = 1000,
        PresignedExhausted = false,
        Submitted = 900,
        CommittedInWindow = 600,
        RejectedInWindow = 2,
        CommittedPerSecond = 200,
        MeanBlockSize = 50,
        Latency = new LatencySummary(600, 10, 20, 30, 40, 12),
        Rejections = new SortedDictionary<string, long> { ["execution:StaleKeyEpoch"] = 2 },
        Crypto = new CryptoCeiling.Result(2, 25_000, 6_250),
        FractionOfCryptoCeiling = 0.032,
        Processes = [new ProcessSummary("node-0", 42, 55.5, 210, 220), new ProcessSummary("remote", 0, double.NaN, double.NaN, double.NaN)],
        Timeline = [new TimelinePoint(0, true, 100, 0, 0, 0, 0), new TimelinePoint(1, true, 300, 200, 0, 10, 30), new TimelinePoint(2, false, 300, 300, 2, 11, 31)],
        ProcessTimeline = [new ProcessSeries("node-0", [new ProcessPoint(1, 50, 200), new ProcessPoint(2, 60, 210)])],
    };
}
