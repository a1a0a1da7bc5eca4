using System.Security.Cryptography.X509Certificates;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Node.Api;
using EhrChain.Node.Hosting;
using EhrChain.Node.Network;
using EhrChain.Tests.Support;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace EhrChain.Tests.Integration;

/// <summary>
/// Four real nodes in this process: each its own ASP.NET Core host with real gRPC over TLS on
/// loopback ports (mutual TLS between them) and its own RocksDB in a temporary directory, laid out
/// by the same code as `genesis new`, network CA and node certificates included. Nodes can be
/// stopped and started again on the same data. Clients trust the test network's CA only.
/// </summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();
    private readonly WebApplication?[] _nodes;
    private readonly InMemoryLog[] _logs;
    private readonly IReadOnlyList<ClusterNode> _layout;
    private readonly string[] _peerAddresses;
    private readonly Dictionary<string, string?> _settings;
    private readonly int _metricsPort;
    private readonly int _webPort;
    private readonly bool _web;
    private readonly Dictionary<int, GrpcChannel> _channels = [];

    private TestCluster(int count, int joiners, Dictionary<string, string?> settings, bool web)
    {
        var nodes = count + joiners;
        var (client, peer) = LocalPorts.FindRuns(nodes);
        var layout = new NetworkLayout(_directory.Path, count, "ehrchain-test", "admin", client, peer, [], "127.0.0.1", samePorts: false, joiners);
        layout.Write();
        Joiners = joiners;
        _peerAddresses = Enumerable.Range(0, nodes).Select(layout.PeerAddress).ToArray();
        _layout = ClusterNode.ReadAll(_directory.Path);
        Insecure = settings.TryGetValue("Node:Insecure", out var insecure) && bool.TryParse(insecure, out var yes) && yes;
        // The client and peer ports are not bound until the nodes start, so a second probe can
        // return them again; the metrics run (and the web run after it) must not overlap them.
        (_metricsPort, _webPort) = LocalPorts.FindRuns(nodes);
        while (_metricsPort < peer + nodes && _metricsPort + 2 * nodes > client)
        {
            (_metricsPort, _webPort) = LocalPorts.FindRuns(nodes);
        }
        _web = web;
        _nodes = new WebApplication?[nodes];
        _logs = Enumerable.Range(0, nodes).Select(_ => new InMemoryLog()).ToArray();
        _settings = settings;
        Admin = KeyFile.Load(System.IO.Path.Combine(_directory.Path, "keys", "admin.key.json"));
    }

    public KeyFile Admin { get; }

    /// <summary>The clock every node of this cluster reads: advance it to let grants and emergencies expire without sleeping.</summary>
    public ShiftedClock Clock { get; } = new();
    public string Directory => _directory.Path;
    public int Count => _nodes.Length;

    /// <summary>How many of the nodes (the last ones) are not in the genesis file and join by vote.</summary>
    public int Joiners { get; }

    /// <summary>Node <paramref name="index"/>'s key file: its validator identity, which also signs its votes.</summary>
    public KeyFile ValidatorKey(int index) => KeyFile.Load(System.IO.Path.Combine(_directory.Path, "keys", $"{NetworkLayout.ValidatorId(index)}.key.json"));

    /// <summary>What a vote to add node <paramref name="index"/> names: its id, peer address and public keys.</summary>
    public EhrChain.Core.Wire.ValidatorInfo ValidatorInfo(int index)
    {
        var key = ValidatorKey(index);
        return new EhrChain.Core.Wire.ValidatorInfo
        {
            Id = key.Id,
            Address = _peerAddresses[index],
            SigningPublicKey = Google.Protobuf.ByteString.CopyFrom(key.Signing.PublicKey.Bytes),
            EncryptionPublicKey = Google.Protobuf.ByteString.CopyFrom(key.Encryption.PublicKey.Bytes),
        };
    }
    /// <summary>True when started with Node:Insecure=true (plaintext, and the TLS settings cleared).</summary>
    public bool Insecure { get; }

    /// <summary>The network CA certificate (PEM) every node certificate chains to.</summary>
    public string CaPath => System.IO.Path.Combine(_directory.Path, "tls", "ca.crt");

    /// <summary>Each node's client address with the trust to reach it (TLS with <see cref="CaPath"/>); prints as host:port.</summary>
    public IReadOnlyList<NodeTarget> Addresses => _layout.Select(n => (Insecure ? NodeTarget.Plaintext(n.ClientAddress) : NodeTarget.Tls(n.ClientAddress, CaPath)) with { GenesisFile = GenesisPath }).ToList();

    public string GenesisPath => System.IO.Path.Combine(_directory.Path, "genesis.json");

    /// <summary>host:port of node <paramref name="index"/>'s peer listener.</summary>
    public string PeerAddress(int index) => _peerAddresses[index];

    /// <summary>Where node <paramref name="index"/>'s TLS certificate and key live (replace them to rotate).</summary>
    public (string Certificate, string Key) CertificateFiles(int index) =>
        (System.IO.Path.Combine(_directory.Path, "tls", $"node-{index}.crt"), System.IO.Path.Combine(_directory.Path, "tls", $"node-{index}.key"));

    /// <summary>Starts <paramref name="count"/> nodes; view changes are quick so failover tests stay short.</summary>
    /// <summary>
    /// Starts <paramref name="count"/> genesis validators; <paramref name="joiners"/> more are laid out but not started.
    /// With <paramref name="web"/> every node also serves the web page (Node:WebListen, plain HTTP on loopback) at <see cref="WebUri"/>.
    /// </summary>
    public static async Task<TestCluster> StartAsync(int count = 4, IDictionary<string, string?>? settings = null, int joiners = 0, bool web = false)
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
        if (all.TryGetValue("Node:Insecure", out var insecure) && insecure == "true")
        {
            all["Node:TlsCertificate"] = "";
            all["Node:TlsKey"] = "";
            all["Node:TlsCa"] = "";
        }
        // Another process can still take a probed port before a node binds it; new ports then.
        for (var attempt = 1; ; attempt++)
        {
            var cluster = new TestCluster(count, joiners, all, web);
            try
            {
                for (var i = 0; i < count; i++)
                {
                    await cluster.StartNodeAsync(i);
                }
                return cluster;
            }
            catch (Exception error) when (attempt < 3 && BindFailures.IsAddressInUse(error))
            {
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    public async Task StartNodeAsync(int index)
    {
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(_layout[index].ConfigPath)
            .AddInMemoryCollection(_settings)
            .AddInMemoryCollection([new("Node:BaseDirectory", _directory.Path), new("Node:MetricsListen", MetricsAddress(index))])
            .AddInMemoryCollection(_web ? [new("Node:WebListen", WebAddress(index))] : [])
            .Build();
        var app = NodeHost.Build(configuration, logging =>
        {
            logging.SetMinimumLevel(LogLevel.Warning);
            logging.AddProvider(_logs[index]);
        }, Clock);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A node that failed to bind still holds its store open; release it before the retry.
            await app.DisposeAsync();
            throw;
        }
        _nodes[index] = app;
    }

    /// <summary>A service of running node <paramref name="index"/>, for tests that drive a node's internals (its validator directory).</summary>
    public T Service<T>(int index) where T : notnull =>
        Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<T>(_nodes[index]?.Services ?? throw new InvalidOperationException($"Node {index} is not running."));

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

    /// <summary>Where node <paramref name="index"/> serves the web page, when started with <c>web</c>.</summary>
    public string WebAddress(int index) => $"127.0.0.1:{_webPort + index}";

    public Uri WebUri(int index) => new($"http://{WebAddress(index)}/");

    public Ledger.LedgerClient Client(int index) => new(Channel(index));

    /// <summary>A channel to node <paramref name="index"/>'s client listener over TLS, trusting only the network CA; shared, disposed with the cluster.</summary>
    public GrpcChannel Channel(int index)
    {
        lock (_channels)
        {
            if (!_channels.TryGetValue(index, out var channel))
            {
                channel = NodeChannels.Open(Addresses[index]);
                _channels[index] = channel;
            }
            return channel;
        }
    }

    /// <summary>
    /// A new channel to <paramref name="address"/> over TLS trusting the network CA, presenting validator
    /// <paramref name="asValidator"/>'s certificate when given, and sending <paramref name="authority"/>
    /// as :authority when given. The caller disposes it.
    /// </summary>
    public GrpcChannel RawChannel(string address, int? asValidator = null, string? authority = null) =>
        RawChannel(address, asValidator is { } validator ? CertificateFiles(validator) : null, authority);

    /// <summary>As above, presenting the certificate in <paramref name="clientCertificate"/>'s files (from any CA).</summary>
    public GrpcChannel RawChannel(string address, (string Certificate, string Key)? clientCertificate, string? authority = null)
    {
        var ssl = NodeChannels.TrustOnly(NodeChannels.LoadCa(CaPath));
        // The chain to the network CA is still checked; the name is not, as :authority may name another port on purpose.
        ssl.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
            certificate is not null && (errors & ~System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch) == System.Net.Security.SslPolicyErrors.None;
        if (clientCertificate is var (certificatePath, keyPath))
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var own = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => own;
        }
        var sockets = new SocketsHttpHandler { SslOptions = ssl, ConnectTimeout = TimeSpan.FromSeconds(5) };
        HttpMessageHandler handler = authority is null ? sockets : new AuthorityHandler(authority) { InnerHandler = sockets };
        return GrpcChannel.ForAddress($"{(Insecure ? "http" : "https")}://{address}", new GrpcChannelOptions { HttpHandler = handler });
    }

    /// <summary>Sets :authority (the Host header) to what the caller chooses, whatever address it dials.</summary>
    private sealed class AuthorityHandler(string authority) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Host = authority;
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>The client port's base address, for requests below gRPC (a hand-made frame) through <see cref="HttpHandler"/>.</summary>
    public Uri ClientUri(int index) => new($"{Scheme}://{_layout[index].ClientAddress}");

    /// <summary>
    /// An HTTP/2 handler trusting only this cluster's CA and presenting validator 1's certificate, so
    /// a hand-made request gets through the peer port's mutual TLS and is judged by what it carries.
    /// </summary>
    public HttpMessageHandler HttpHandler()
    {
        var ssl = NodeChannels.TrustOnly(NodeChannels.LoadCa(CaPath));
        var (certificatePath, keyPath) = CertificateFiles(1);
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        var own = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        ssl.LocalCertificateSelectionCallback = (_, _, _, _, _) => own;
        return new SocketsHttpHandler { SslOptions = ssl, ConnectTimeout = TimeSpan.FromSeconds(5) };
    }

    /// <summary>Node <paramref name="index"/>'s peer port, for what a stranger can send to it.</summary>
    public Uri PeerUri(int index) => new($"{Scheme}://{PeerAddress(index)}");

    private string Scheme => Insecure ? "http" : "https";

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
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
        for (var i = 0; i < _nodes.Length; i++)
        {
            await StopNodeAsync(i);
        }
        _directory.Dispose();
    }
}
