using System.Diagnostics;
using System.Globalization;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Node.Api;
using EhrChain.Node.Network;

namespace EhrChain.Bench;

/// <summary>
/// One benchmark run from start to end: the crypto ceiling on a quiet machine, the cluster (a
/// throwaway local one, or the given nodes), setup, pre-signing, the timed load with a commit
/// tracker and process sampler beside it, a drain, and the report.
/// </summary>
public sealed class BenchRunner(BenchSettings settings, Func<string, NodeTarget> target, BenchOutput output, TimeSpan timeout, string commandLine)
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan CeilingDuration = TimeSpan.FromSeconds(3);

    // Pre-signing more than this would cost minutes and gigabytes; a closed loop that runs out says so in the report.
    private const long MaxPresignedAppends = 400_000;
    private const long MaxPresignedGrants = 64_000;

    private readonly BenchConsole _console = new(output);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var loadBefore = LoadAverage();
        var nodeCount = settings.IsLocal ? settings.LocalNodes : settings.Nodes.Count;
        _console.Say($"Measuring the Ed25519 ceiling for {CeilingDuration.TotalSeconds:F0} s on {Environment.ProcessorCount} threads...");
        var crypto = CryptoCeiling.Measure(settings.Payload + 160, nodeCount, CeilingDuration, cancellationToken);
        _console.Say(string.Create(CultureInfo.InvariantCulture, $"  {crypto.VerificationsPerSecond:N0} verifications/s = {crypto.PerNode:N0} per node."));

        string? directory = null;
        LocalCluster? cluster = null;
        try
        {
            IReadOnlyList<NodeTarget> nodes;
            string adminKeyPath;
            string readerKeyPath;
            if (settings.IsLocal)
            {
                directory = Directory.CreateTempSubdirectory("ehrchain-bench-").FullName;
                _console.Say($"Starting a local {settings.LocalNodes}-node cluster in {directory}...");
                // Free ports, so a benchmark runs beside a developer's `cluster up` or a demo.
                var (clientPort, peerPort) = LocalPorts.FindRuns(settings.LocalNodes);
                cluster = await LocalCluster.StartAsync(directory, settings.LocalNodes, timeout, output.Say, cancellationToken, clientPort, peerPort).ConfigureAwait(false);
                nodes = cluster.Nodes.Select(n => n.Client).ToList();
                adminKeyPath = Path.Combine(directory, "keys", "admin.key.json");
                // A validator of the throwaway network sees the whole chain: no auditor to enrol.
                readerKeyPath = Path.Combine(directory, "keys", $"{cluster.Nodes[0].Id}.key.json");
            }
            else
            {
                nodes = settings.Nodes.Select(target).ToList();
                adminKeyPath = settings.AdminKey!;
                readerKeyPath = settings.ReaderKey!;
            }
            var watched = new List<WatchedProcess>();
            if (cluster is not null)
            {
                for (var i = 0; i < cluster.Nodes.Count; i++)
                {
                    if (cluster.ProcessId(i) is { } pid)
                    {
                        watched.Add(new WatchedProcess(cluster.Nodes[i].Id, pid));
                    }
                }
            }
            watched.Add(new WatchedProcess("bench (this process)", Environment.ProcessId));

            var genesisPath = directory is null ? null : Path.Combine(directory, "genesis.json");
            var report = await MeasureAsync(nodes, KeyFile.Load(adminKeyPath), KeyFile.Load(readerKeyPath), genesisPath, crypto, watched, cancellationToken).ConfigureAwait(false);
            report = report with
            {
                StartedAt = started,
                LoadAverageBefore = loadBefore,
                LoadAverageAfter = LoadAverage(),
                Command = commandLine,
            };
            Directory.CreateDirectory(settings.OutDirectory);
            await File.WriteAllTextAsync(Path.Combine(settings.OutDirectory, "report.json"), report.ToJson(), cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(settings.OutDirectory, "report.html"), HtmlReport.Render(report), cancellationToken).ConfigureAwait(false);
            if (output.IsJson)
            {
                output.Document(report.ToJson());
            }
            else
            {
                _console.Summary(report, settings.OutDirectory);
            }
        }
        finally
        {
            if (cluster is not null)
            {
                _console.Say("Stopping the local cluster...");
                await cluster.DisposeAsync().ConfigureAwait(false);
                CopyLogs(directory!);
                TryDelete(directory!);
            }
        }
    }

    private async Task<BenchReport> MeasureAsync(
        IReadOnlyList<NodeTarget> nodes, KeyFile admin, KeyFile reader, string? genesisPath, CryptoCeiling.Result crypto, IReadOnlyList<WatchedProcess> watched, CancellationToken cancellationToken)
    {
        var channels = Enumerable.Range(0, settings.Clients).Select(i => NodeChannels.Open(nodes[i % nodes.Count])).ToList();
        using var trackerChannel = NodeChannels.Open(nodes[0]);
        try
        {
            var first = new Ledger.LedgerClient(trackerChannel);
            var status = await first.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false);

            var window = settings.Warmup + settings.Duration;
            var total = TransactionsNeeded(window, crypto);
            var grantCount = PresignedLoad.GrantShare(settings.Mix, total);
            var population = await BenchPopulation.CreateAsync(
                first, admin, status.ChainId, NetworkEscrow.For(status, genesisPath), grantCount == total ? 0 : 256, PresignedLoad.GrantRecordsFor(grantCount), _console.Say, cancellationToken).ConfigureAwait(false);

            _console.Say(string.Create(CultureInfo.InvariantCulture, $"Signing {total:N0} transactions ({settings.Mix.ToString().ToLowerInvariant()}, {settings.Payload}-byte entries)..."));
            var signing = Stopwatch.StartNew();
            var load = PresignedLoad.Build(population, settings.Mix, total, settings.Clients, settings.Payload);
            _console.Say(string.Create(CultureInfo.InvariantCulture, $"  signed in {signing.Elapsed.TotalSeconds:F1} s."));

            var startHeight = (await first.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false)).Height + 1;
            var clock = new Stopwatch();
            var timeline = new BenchTimeline(settings.Warmup);
            var tracker = new CommitTracker(clock, settings.Warmup, settings.Duration, timeline);
            var sampler = new ProcessSampler(watched);
            var schedule = settings.Rate is { } rate ? new OpenLoopSchedule(rate) : null;
            // An open loop is not throttled by commits; the cap only keeps a stalled cluster from exhausting memory (10 s of load).
            var inFlight = schedule is null ? settings.InFlight : Math.Max(settings.InFlight, (int)Math.Ceiling(schedule.Rate * 10 / settings.Clients));
            var clients = Enumerable.Range(0, settings.Clients)
                .Select(i => new LoadClient(i, BenchSubmitters.Create(settings.Submit, new Ledger.LedgerClient(channels[i]), tracker, cancellationToken), load.PerClient[i], schedule, inFlight, tracker, timeline, clock))
                .ToList();
            try
            {
                using var stopTracker = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var tracking = tracker.RunAsync(first, new EhrClient(reader, status.ChainId, TimeProvider.System), startHeight, stopTracker.Token);
                sampler.Sample(TimeSpan.Zero);
                _console.Say($"Running: warmup {settings.Warmup.TotalSeconds:F0} s, then {settings.Duration.TotalSeconds:F0} s measured; {settings.RateLabel}, {settings.Clients} clients over {nodes.Count} nodes.");
                clock.Start();
                var windowMarked = false;
                var running = Task.WhenAll(clients.Select(c => c.RunAsync(window, cancellationToken)));

                await _console.WithProgressAsync(() => Progress(clock, tracker, clients), async () =>
                {
                    using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
                    var nextSample = TimeSpan.FromSeconds(1);
                    while (clock.Elapsed < window + Drain && !(running.IsCompleted && tracker.InFlight == 0))
                    {
                        await tick.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false);
                        var now = clock.Elapsed;
                        if (!windowMarked && now >= settings.Warmup)
                        {
                            sampler.MarkWindowStart(now);
                            windowMarked = true;
                        }
                        if (now >= window && !sampler.WindowEnded)
                        {
                            sampler.MarkWindowEnd(now);
                        }
                        if (now >= nextSample)
                        {
                            sampler.Sample(now);
                            nextSample += TimeSpan.FromSeconds(1);
                            tracker.ExpireOlderThan(GiveUpAfter);
                        }
                    }
                    if (!sampler.WindowEnded)
                    {
                        sampler.MarkWindowEnd(clock.Elapsed);
                    }
                    await running.ConfigureAwait(false);
                }).ConfigureAwait(false);

                // Whatever has not committed by the end of the drain never will within the run.
                tracker.ExpireOlderThan(TimeSpan.Zero);
                sampler.Sample(clock.Elapsed);
                await stopTracker.CancelAsync().ConfigureAwait(false);
                await tracking.ConfigureAwait(false);

                var committedPerSecond = tracker.CommittedInWindow / settings.Duration.TotalSeconds;
                return new BenchReport
                {
                    StartedAt = DateTimeOffset.UtcNow,
                    Machine = Environment.MachineName,
                    Cores = Environment.ProcessorCount,
                    LoadAverageBefore = "",
                    LoadAverageAfter = "",
                    Command = "",
                    Nodes = nodes.Select(n => n.Address).ToList(),
                    LocalCluster = settings.IsLocal,
                    Mix = settings.Mix.ToString().ToLowerInvariant(),
                    Rate = settings.RateLabel,
                    Clients = settings.Clients,
                    PayloadBytes = settings.Payload,
                    WarmupSeconds = settings.Warmup.TotalSeconds,
                    DurationSeconds = settings.Duration.TotalSeconds,
                    Presigned = load.Total,
                    PresignedExhausted = clients.Any(c => c.Exhausted),
                    Submitted = clients.Sum(c => c.Sent),
                    CommittedInWindow = tracker.CommittedInWindow,
                    RejectedInWindow = tracker.RejectedInWindow,
                    CommittedPerSecond = committedPerSecond,
                    MeanBlockSize = tracker.MeanBlockSize,
                    Latency = tracker.Latency(),
                    Rejections = tracker.Rejections,
                    Crypto = crypto,
                    FractionOfCryptoCeiling = crypto.PerNode > 0 ? committedPerSecond / crypto.PerNode : 0,
                    Processes = sampler.Summaries(),
                    Timeline = timeline.Points(),
                    ProcessTimeline = watched.Select((p, i) => new ProcessSeries(p.Name, sampler.Series(i))).ToList(),
                };
            }
            finally
            {
                foreach (var client in clients)
                {
                    await client.DisposeAsync().ConfigureAwait(false);
                }
            }
        }
        finally
        {
            channels.ForEach(c => c.Dispose());
        }
    }

    /// <summary>
    /// An open loop needs rate × (warmup + duration). A closed loop needs as many as the cluster
    /// can commit, and it cannot commit faster than each node can verify signatures.
    /// </summary>
    private long TransactionsNeeded(TimeSpan window, CryptoCeiling.Result crypto)
    {
        if (settings.Rate is { } rate)
        {
            return new OpenLoopSchedule(rate).CountFor(window) + settings.Clients;
        }
        var bound = (long)Math.Ceiling(crypto.PerNode * window.TotalSeconds);
        return settings.Mix switch
        {
            BenchMix.Append => Math.Min(bound, MaxPresignedAppends),
            BenchMix.Grant => Math.Min(bound, MaxPresignedGrants),
            _ => Math.Min(bound, MaxPresignedGrants * 4),
        };
    }

    private static string Progress(Stopwatch clock, CommitTracker tracker, IReadOnlyList<LoadClient> clients)
    {
        var elapsed = clock.Elapsed;
        var phase = tracker.InWindow(elapsed) ? "measuring" : elapsed.TotalSeconds < 1 ? "starting" : tracker.CommittedInWindow == 0 ? "warmup" : "draining";
        return string.Create(CultureInfo.InvariantCulture,
            $"{elapsed.TotalSeconds,5:F0} s  {phase,-9}  sent {clients.Sum(c => c.Sent),9:N0}  committed {tracker.CommittedTotal,9:N0} (window {tracker.CommittedInWindow:N0})  in flight {tracker.InFlight,6:N0}  rejected {tracker.Rejections.Values.Sum():N0}  p99 {tracker.Latency().P99Ms:N0} ms");
    }

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>Keeps the throwaway cluster's node logs with the report: they are the first thing to read when a run looks wrong.</summary>
    private void CopyLogs(string directory)
    {
        var logs = Path.Combine(directory, "logs");
        if (!Directory.Exists(logs))
        {
            return;
        }
        var target = Path.Combine(settings.OutDirectory, "logs");
        Directory.CreateDirectory(target);
        foreach (var log in Directory.GetFiles(logs))
        {
            File.Copy(log, Path.Combine(target, Path.GetFileName(log)), overwrite: true);
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A node still holding a file open; the temp directory is left for the OS to clean.
        }
    }
}
