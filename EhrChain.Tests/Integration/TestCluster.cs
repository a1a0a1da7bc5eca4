using EhrChain.Cli.Cluster;
using EhrChain.Cli.Commands;
using EhrChain.Core.Keys;
using EhrChain.Node.Api;
using EhrChain.Node.Hosting;
using EhrChain.Tests.Support;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EhrChain.Tests.Integration;

/// <summary>
/// Four real nodes in this process: each its own ASP.NET Core host with real gRPC on loopback
/// ports and its own RocksDB in a temporary directory, laid out by the same code as `genesis new`.
/// Nodes can be stopped and started again on the same data.
/// </summary>
public sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplication?[] _nodes;
    private readonly InMemoryLog[] _logs;
    private readonly IReadOnlyList<ClusterNode> _layout;
    private readonly Dictionary<string, string?> _settings;
    private readonly int _metricsPort;

    private TestCluster(int count, Dictionary<string, string?> settings)
    {
        var (client, peer) = LocalPorts.FindRuns(count);
        new NetworkLayout(_directory.Path, count, "ehrchain-test", "admin", client, peer, [], "127.0.0.1", samePorts: false).Write();
        _layout = ClusterNode.ReadAll(_directory.Path);
        _metricsPort = LocalPorts.FindRuns(count).Client;
        _nodes = new WebApplication?[count];
        _logs = Enumerable.Range(0, count).Select(_ => new InMemoryLog()).ToArray();
        _settings = settings;
        Admin = KeyFile.Load(System.IO.Path.Combine(_directory.Path, "keys", "admin.key.json"));
    }

    public KeyFile Admin { get; }
    public string Directory => _directory.Path;
    public int Count => _nodes.Length;
    public IReadOnlyList<string> Addresses => _layout.Select(n => n.ClientAddress).ToList();

    /// <summary>Starts <paramref name="count"/> nodes; view changes are quick so failover tests stay short.</summary>
    public static async Task<TestCluster> StartAsync(int count = 4, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?>
        {
            ["Consensus:ViewChangeTimeout"] = "00:00:01",
            ["Consensus:StatusInterval"] = "00:00:00.250",
            ["Consensus:CheckpointInterval"] = "10",
            ["Consensus:WindowSize"] = "40",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        var cluster = new TestCluster(count, all);
        for (var i = 0; i < count; i++)
        {
            await cluster.StartNodeAsync(i);
        }
        return cluster;
    }

    public async Task StartNodeAsync(int index)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(_layout[index].ConfigPath)
            .AddInMemoryCollection(_settings)
            .AddInMemoryCollection([new("Node:BaseDirectory", _directory.Path), new("Node:MetricsListen", MetricsAddress(index))])
            .Build();
        var app = NodeHost.Build(configuration, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddProvider(_logs[index]);
        });
        await app.StartAsync();
        _nodes[index] = app;
    }

    public async Task StopNodeAsync(int index)
    {
        if (_nodes[index] is { } app)
        {
            _nodes[index] = null;
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>Where node <paramref name="index"/> serves Prometheus /metrics.</summary>
    public string MetricsAddress(int index) => $"127.0.0.1:{_metricsPort + index}";

    public Ledger.LedgerClient Client(int index) => new(GrpcChannel.ForAddress($"http://{_layout[index].ClientAddress}"));

    /// <summary>A channel to node <paramref name="index"/>'s client port, for calls the typed client cannot make (raw bytes as a message).</summary>
    public GrpcChannel Channel(int index) => GrpcChannel.ForAddress(ClientUri(index), new GrpcChannelOptions { HttpHandler = HttpHandler() });

    /// <summary>The client port's base address and an HTTP/2 handler for it, for requests below gRPC (a hand-made frame).</summary>
    public Uri ClientUri(int index) => new($"http://{_layout[index].ClientAddress}");

    [System.Diagnostics.CodeAnalysis.SuppressMessage("Performance", "CA1822", Justification = "An instance's: over TLS the handler trusts this cluster's CA.")]
    public HttpMessageHandler HttpHandler() => new SocketsHttpHandler();

    /// <summary>Node <paramref name="index"/>'s peer port, for what a stranger can send to it.</summary>
    public Uri PeerUri(int index) => new($"http://{new ConfigurationBuilder().AddJsonFile(_layout[index].ConfigPath).Build()["Node:PeerListen"]}");

    /// <summary>Everything node <paramref name="index"/> has logged at Warning and above, across restarts.</summary>
    public InMemoryLog Log(int index) => _logs[index];

    public async Task<NodeStatus> StatusAsync(int index) => await Client(index).StatusAsync(new StatusRequest());

    /// <summary>Waits until every running node reports the same head at or above <paramref name="height"/>; returns that head's hash.</summary>
    public async Task<string> WaitForAgreementAsync(ulong height, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var statuses = new List<NodeStatus>();
            for (var i = 0; i < _nodes.Length; i++)
            {
                if (_nodes[i] is not null)
                {
                    statuses.Add(await StatusAsync(i));
                }
            }
            if (statuses.All(s => s.Height >= height) && statuses.Select(s => s.HeadHash).Distinct().Count() == 1)
            {
                return statuses[0].HeadHash;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("Nodes did not agree: " + string.Join("; ", statuses.Select(s => $"{s.NodeId} at {s.Height} {s.HeadHash[..8]}")));
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = 0; i < _nodes.Length; i++)
        {
            await StopNodeAsync(i);
        }
        _directory.Dispose();
    }
}
