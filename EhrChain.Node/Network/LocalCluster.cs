using System.Diagnostics;
using EhrChain.Client.Session;
using Grpc.Health.V1;

namespace EhrChain.Node.Network;

/// <summary>
/// A cluster of nodes on this machine, each its own `ehrchain node run` process with its log in
/// the network directory, so a node can be killed or restarted like a real one.
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private const string TieringDelayVariable = "DOTNET_TC_CallCountingDelayMs";

    private readonly string _directory;
    private readonly IReadOnlyList<ClusterNode> _nodes;
    private readonly Process?[] _processes;

    public LocalCluster(string directory, IReadOnlyList<ClusterNode> nodes)
    {
        _directory = directory;
        _nodes = nodes;
        _processes = new Process?[nodes.Count];
    }

    public IReadOnlyList<ClusterNode> Nodes => _nodes;

    /// <summary>
    /// Lays out the network when <paramref name="directory"/> has none (telling <paramref name="say"/>),
    /// then starts and health-checks every node. `cluster up` and the benchmark share it.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(string directory, int validators, TimeSpan timeout, Action<string> say, CancellationToken cancellationToken,
        int clientPort = 7000, int peerPort = 7100)
    {
        ArgumentNullException.ThrowIfNull(say);
        if (!File.Exists(Path.Combine(directory, "genesis.json")))
        {
            new NetworkLayout(directory, validators, "ehrchain-local", "admin", clientPort, peerPort, [], "127.0.0.1", samePorts: false).Write();
            say($"Created a {validators}-node network in {directory}.");
        }
        var cluster = new LocalCluster(directory, ClusterNode.ReadAll(directory));
        try
        {
            await cluster.StartAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return cluster;
    }

    public string LogPath(int index) => Path.Combine(_directory, "logs", $"{_nodes[index].Id}.log");

    /// <summary>Starts every node and waits until each answers its health check.</summary>
    public async Task StartAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        for (var i = 0; i < _processes.Length; i++)
        {
            Start(i);
        }
        for (var i = 0; i < _processes.Length; i++)
        {
            await WaitHealthyAsync(i, timeout, cancellationToken).ConfigureAwait(false);
        }
    }

    public void Start(int index)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath(index))!);
        var (program, prefix) = SelfCommand();
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in prefix.Concat(["node", "run", "--config", _nodes[index].ConfigPath]))
        {
            start.ArgumentList.Add(argument);
        }
        // The JIT moves a method to optimised code only after 100 ms without new tier-0 compiles.
        // Several nodes starting on a few shared cores keep compiling for long enough that they
        // ran unoptimised code for the first ~20 s of a benchmark; counting calls at once ends
        // that in a few seconds. A value the user set is left alone.
        if (Environment.GetEnvironmentVariable(TieringDelayVariable) is null)
        {
            start.Environment[TieringDelayVariable] = "0";
        }
        var process = Process.Start(start) ?? throw new NetworkSetupException($"Could not start {_nodes[index].Id}.");
        var log = new StreamWriter(LogPath(index), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.Exited += (_, _) => { lock (log) { log.Dispose(); } };
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[index] = process;
    }

    public async Task StopAsync(int index)
    {
        var process = _processes[index];
        _processes[index] = null;
        if (process is null || process.HasExited)
        {
            process?.Dispose();
            return;
        }
        // The node shuts down gracefully on SIGTERM; kill it if it has not within 10 s.
        ProcessSignals.Terminate(process);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }

    public bool IsRunning(int index) => _processes[index] is { HasExited: false };

    /// <summary>The operating system's id of a running node's process (the benchmark reads its CPU and memory from /proc).</summary>
    public int? ProcessId(int index) => _processes[index] is { HasExited: false } process ? process.Id : null;

    /// <summary>Waits for the node's gRPC health service to answer SERVING.</summary>
    public async Task WaitHealthyAsync(int index, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        using var channel = NodeChannels.Open(_nodes[index].Client);
        var health = new Health.HealthClient(channel);
        while (true)
        {
            if (_processes[index] is { HasExited: true } exited)
            {
                throw new NetworkSetupException($"{_nodes[index].Id} exited with code {exited.ExitCode} while starting; see {LogPath(index)}.");
            }
            try
            {
                var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken).ConfigureAwait(false);
                if (reply.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (Grpc.Core.RpcException)
            {
                // Not listening yet.
            }
            if (deadline.Elapsed > timeout)
            {
                throw new NetworkSetupException($"{_nodes[index].Id} did not become healthy within {timeout.TotalSeconds:F0} s; see {LogPath(index)}.") { NodeUnavailable = true };
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// How to run this same program again: the apphost directly, or `dotnet ehrchain.dll`. The
    /// program is the entry assembly (the ehrchain command that hosts this library), not this one.
    /// </summary>
    private static (string Program, string[] Prefix) SelfCommand()
    {
        var process = Environment.ProcessPath ?? throw new NetworkSetupException("Cannot tell where the ehrchain program is.");
        var name = Path.GetFileNameWithoutExtension(process);
        if (!name.Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return (process, []);
        }
        var program = System.Reflection.Assembly.GetEntryAssembly()?.Location;
        return string.IsNullOrEmpty(program)
            ? throw new NetworkSetupException("Cannot tell where the ehrchain program is.")
            : (process, [program]);
    }

    public async ValueTask DisposeAsync() =>
        await Task.WhenAll(Enumerable.Range(0, _processes.Length).Select(StopAsync)).ConfigureAwait(false);
}
