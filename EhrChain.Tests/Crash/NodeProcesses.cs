using System.Diagnostics;
using System.Runtime.InteropServices;
using EhrChain.Cli;
using EhrChain.Node.Network;

namespace EhrChain.Tests.Crash;

/// <summary>
/// Nodes of a network directory, each its own `ehrchain node run` process (the CLI assembly this
/// test project builds, run by the same dotnet host), so they can be killed with SIGKILL, paused
/// with SIGSTOP and restarted on the data they left.
/// </summary>
internal sealed partial class NodeProcesses : IAsyncDisposable
{
    private const int SigStop = 19;
    private const int SigCont = 18;
    private const int SigTerm = 15;

    private readonly string _directory;
    private readonly Process?[] _processes;
    private readonly IReadOnlyList<string> _settings;

    public NodeProcesses(string directory, IReadOnlyList<ClusterNode> nodes, IReadOnlyList<string> settings)
    {
        _directory = directory;
        Nodes = nodes;
        _settings = settings;
        _processes = new Process?[nodes.Count];
    }

    public IReadOnlyList<ClusterNode> Nodes { get; }

    public string LogPath(int index) => Path.Combine(_directory, "logs", $"{Nodes[index].Id}.log");

    public string DataDirectory(int index) => Path.Combine(_directory, "data", Nodes[index].Id);

    public void Start(int index)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(LogPath(index))!);
        var host = Environment.ProcessPath ?? "dotnet";
        // The test host is dotnet itself; the CLI runs as `dotnet ehrchain.dll`.
        var start = new ProcessStartInfo(Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(typeof(CliApp).Assembly.Location);
        foreach (var argument in new[] { "node", "run", "--config", Nodes[index].ConfigPath })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var setting in _settings)
        {
            start.ArgumentList.Add("--set");
            start.ArgumentList.Add(setting);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {Nodes[index].Id}.");
        var log = new StreamWriter(LogPath(index), append: true) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes[index] = process;
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The run ended while a last line was in flight.
            }
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public void Kill(int index)
    {
        if (_processes[index] is { } process)
        {
            _processes[index] = null;
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            process.Dispose();
        }
    }

    public void Pause(int index) => Signal(index, SigStop);

    public void Resume(int index) => Signal(index, SigCont);

    private void Signal(int index, int signal)
    {
        if (_processes[index] is { HasExited: false } process && SendSignal(process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({process.Id}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}.");
        }
    }

    /// <summary>SIGTERM, the orderly shutdown; SIGKILL if it has not ended within 15 s.</summary>
    public async Task StopAsync(int index)
    {
        if (_processes[index] is not { } process)
        {
            return;
        }
        _processes[index] = null;
        if (!process.HasExited)
        {
            SendSignal(process.Id, SigCont);
            SendSignal(process.Id, SigTerm);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _processes.Length; i++)
        {
            await StopAsync(i);
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
