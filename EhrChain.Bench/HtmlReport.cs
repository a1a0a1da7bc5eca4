using System.Globalization;
using System.Net;
using System.Text;

namespace EhrChain.Bench;

/// <summary>report.html: one self-contained page (inline CSS and SVG) with the summary and the charts over time.</summary>
internal static class HtmlReport
{
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#7f7f7f"];

    public static string Render(BenchReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>EhrChain benchmark</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:24px;color:#222}table{border-collapse:collapse;margin:12px 0}")
            .Append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}td.n{text-align:right}svg{font-size:12px;display:block;margin:16px 0}")
            .Append("</style></head><body>");
        page.Append("<h1>EhrChain benchmark</h1>");
        page.Append(CultureInfo.InvariantCulture, $"<p><code>{Encode(report.Command)}</code></p>");

        var rows = new List<(string, string)>
        {
            ("started", report.StartedAt.ToString("u", CultureInfo.InvariantCulture)),
            ("machine", $"{report.Machine}, {report.Cores} cores; load average before {report.LoadAverageBefore}, after {report.LoadAverageAfter}"),
            ("cluster", $"{report.Nodes.Count} nodes{(report.LocalCluster ? " (local, throwaway)" : "")}: {string.Join(", ", report.Nodes)}"),
            ("load", $"{report.Mix}, {report.Rate}, {report.Clients} clients, {report.PayloadBytes}-byte entries, warmup {N(report.WarmupSeconds)} s, measured {N(report.DurationSeconds)} s"),
            ("committed", $"{report.CommittedInWindow:N0} in the window = {N(report.CommittedPerSecond)} tx/s (mean block {N(report.MeanBlockSize)} tx)"),
            ("latency submit→commit", $"p50 {N(report.Latency.P50Ms)} ms, p95 {N(report.Latency.P95Ms)} ms, p99 {N(report.Latency.P99Ms)} ms, max {N(report.Latency.MaxMs)} ms ({report.Latency.Count:N0} samples)"),
            ("rejected", report.RejectedInWindow == 0 ? "none" : string.Join(", ", report.Rejections.Select(r => $"{r.Key}: {r.Value:N0}"))),
            ("crypto ceiling", $"{N(report.Crypto.VerificationsPerSecond)} Ed25519 verifications/s on {report.Crypto.Threads} threads = {N(report.Crypto.PerNode)} per node; committed = {report.FractionOfCryptoCeiling.ToString("P1", CultureInfo.InvariantCulture)} of it"),
            ("pre-signed", $"{report.Presigned:N0}{(report.PresignedExhausted ? " — ran out before the end: the figures understate the cluster" : "")}"),
        };
        page.Append("<table>");
        foreach (var (name, value) in rows)
        {
            page.Append(CultureInfo.InvariantCulture, $"<tr><th>{Encode(name)}</th><td>{Encode(value)}</td></tr>");
        }
        page.Append("</table>");

        page.Append("<table><tr><th>process</th><th>pid</th><th>CPU (mean, 100% = one core)</th><th>RSS at end (MB)</th><th>peak RSS (MB)</th></tr>");
        foreach (var p in report.Processes)
        {
            page.Append(CultureInfo.InvariantCulture, $"<tr><td>{Encode(p.Name)}</td><td class=\"n\">{p.Pid}</td><td class=\"n\">{N(p.CpuPercent)}%</td><td class=\"n\">{N(p.RssMb)}</td><td class=\"n\">{N(p.PeakRssMb)}</td></tr>");
        }
        page.Append("</table>");

        var warmup = report.WarmupSeconds;
        var timeline = report.Timeline;
        page.Append(SvgChart.Line("Throughput", "tx/s", [
            new ChartLine("committed", Palette[0], timeline.Select(t => ((double)t.Second, (double)t.Committed)).ToList()),
            new ChartLine("submitted", Palette[4], timeline.Select(t => ((double)t.Second, (double)t.Submitted)).ToList()),
            new ChartLine("rejected", Palette[1], timeline.Select(t => ((double)t.Second, (double)t.Rejected)).ToList()),
        ], warmup));
        page.Append(SvgChart.Line("Submit-to-commit latency of what committed in each second", "ms", [
            new ChartLine("p50", Palette[0], timeline.Where(t => t.Committed > 0).Select(t => ((double)t.Second, t.P50Ms)).ToList()),
            new ChartLine("p99", Palette[1], timeline.Where(t => t.Committed > 0).Select(t => ((double)t.Second, t.P99Ms)).ToList()),
        ], warmup));
        if (report.ProcessTimeline.Count > 0)
        {
            page.Append(SvgChart.Line("CPU per process (100% = one core)", "%",
                report.ProcessTimeline.Select((s, i) => new ChartLine(s.Name, Palette[i % Palette.Length], s.Points.Select(p => ((double)p.Second, p.CpuPercent)).ToList())).ToList(), warmup));
            page.Append(SvgChart.Line("Resident memory per process", "MB",
                report.ProcessTimeline.Select((s, i) => new ChartLine(s.Name, Palette[i % Palette.Length], s.Points.Select(p => ((double)p.Second, p.RssMb)).ToList())).ToList(), warmup));
        }
        page.Append("<p>The grey band is the warmup; only the window after it counts towards the figures above.</p></body></html>");
        return page.ToString();
    }

    private static string N(double value) => double.IsFinite(value) ? value.ToString(value >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "n/a";

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
