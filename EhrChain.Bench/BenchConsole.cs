using System.Globalization;
using Spectre.Console;

namespace EhrChain.Bench;

/// <summary>
/// What the benchmark shows a person: a live progress line (Spectre.Console) while it runs and a
/// summary table at the end. Where the output is not a terminal the progress becomes a plain
/// line every five seconds; in JSON mode only the report document is printed.
/// </summary>
internal sealed class BenchConsole(BenchOutput output)
{
    private readonly IAnsiConsole _console = AnsiConsole.Console;

    public void Say(string line) => output.Say(line);

    /// <summary>Runs <paramref name="run"/>, refreshing the progress line once a second with what <paramref name="progress"/> says.</summary>
    public async Task WithProgressAsync(Func<string> progress, Func<Task> run)
    {
        ArgumentNullException.ThrowIfNull(progress);
        ArgumentNullException.ThrowIfNull(run);
        if (output.IsJson)
        {
            await run().ConfigureAwait(false);
            return;
        }
        if (!_console.Profile.Capabilities.Interactive || Console.IsOutputRedirected)
        {
            using var stop = new CancellationTokenSource();
            var ticker = Task.Run(async () =>
            {
                using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
                while (await timer.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                {
                    output.Say(progress());
                }
            });
            try
            {
                await run().ConfigureAwait(false);
            }
            finally
            {
                await stop.CancelAsync().ConfigureAwait(false);
                try
                {
                    await ticker.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
            output.Say(progress());
            return;
        }
        await _console.Live(new Markup(Markup.Escape(progress()))).AutoClear(false).StartAsync(async live =>
        {
            var work = run();
            while (await Task.WhenAny(work, Task.Delay(1000)).ConfigureAwait(false) != work)
            {
                live.UpdateTarget(new Markup(Markup.Escape(progress())));
            }
            live.UpdateTarget(new Markup(Markup.Escape(progress())));
            await work.ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    public void Summary(BenchReport report, string outDirectory)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<string[]>
        {
            Row("committed tx/s", N(report.CommittedPerSecond), $"{report.CommittedInWindow:N0} committed in {N(report.DurationSeconds)} s"),
            Row("latency p50", Ms(report.Latency.P50Ms), "submit to commit event"),
            Row("latency p95", Ms(report.Latency.P95Ms), ""),
            Row("latency p99", Ms(report.Latency.P99Ms), ""),
            Row("latency max", Ms(report.Latency.MaxMs), $"{report.Latency.Count:N0} samples"),
            Row("rejected", report.RejectedInWindow.ToString("N0", CultureInfo.InvariantCulture), string.Join(", ", report.Rejections.Select(r => $"{r.Key} {r.Value:N0}"))),
            Row("mean block", N(report.MeanBlockSize) + " tx", ""),
            Row("crypto ceiling", N(report.Crypto.PerNode) + " verif/s per node", $"{N(report.Crypto.VerificationsPerSecond)}/s on {report.Crypto.Threads} threads / {report.Nodes.Count} nodes"),
            Row("of the ceiling", report.FractionOfCryptoCeiling.ToString("P1", CultureInfo.InvariantCulture), "committed tx/s / per-node ceiling"),
        };
        foreach (var p in report.Processes)
        {
            rows.Add(Row(p.Name, $"{N(p.CpuPercent)}% CPU", $"RSS {N(p.RssMb)} MB at end, peak {N(p.PeakRssMb)} MB"));
        }
        if (report.PresignedExhausted)
        {
            rows.Add(Row("warning", "ran out", $"all {report.Presigned:N0} pre-signed transactions were sent before the end"));
        }
        output.Table(["measure", "value", "detail"], rows);
        output.Say($"Report: {Path.Combine(outDirectory, "report.json")} and {Path.Combine(outDirectory, "report.html")}");
    }

    private static string[] Row(string name, string value, string detail) => [name, value, detail];

    private static string N(double value) => double.IsFinite(value) ? value.ToString(value >= 100 ? "N0" : "0.##", CultureInfo.InvariantCulture) : "n/a";

    private static string Ms(double value) => N(value) + " ms";
}
