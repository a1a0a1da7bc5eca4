using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Execution;
using EhrChain.Core.Crypto;
using EhrChain.Node.AccessLog;
using EhrChain.Node.Admission;
using EhrChain.Node.Api;
using EhrChain.Node.Chain;
using EhrChain.Node.Errors;
using EhrChain.Node.Events;
using EhrChain.Node.Metrics;
using EhrChain.Node.Peers;
using EhrChain.Node.Tls;
using EhrChain.Node.Validators;
using EhrChain.Node.Web;
using EhrChain.Storage;
using EhrChain.Storage.Rocks;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prometheus;

namespace EhrChain.Node.Hosting;

/// <summary>
/// Builds a node from configuration: checks every setting first (a bad one stops start-up with
/// one line naming it), opens the store, initialises block 0, and wires consensus, the contract
/// engine, the peer transport and the public API into one ASP.NET Core host.
/// </summary>
public static class NodeHost
{
    public static WebApplication Build(IConfiguration configuration, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = NodeSettings.Load(configuration);
        var inputLimits = GrpcInputLimits.From(settings.Admission);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        // One line per event, and no per-request lines: peers keep streams open, clients call often.
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Logging.AddFilter("Grpc", LogLevel.Warning);
        if (logging is not null)
        {
            logging(builder.Logging);
        }
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Resolved here, once the container exists: the certificate reloads log through it.
            var tls = settings.Tls is null ? null : kestrel.ApplicationServices.GetRequiredService<NodeTls>();
            kestrel.Listen(settings.ClientEndpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls is not null)
                {
                    listen.UseHttps(tls.ClientListener());
                }
            });
            kestrel.Listen(settings.PeerEndpoint, listen =>
            {
                listen.Protocols = HttpProtocols.Http2;
                if (tls is not null)
                {
                    listen.UseHttps(tls.PeerListener());
                }
            });
            if (settings.MetricsEndpoint is { } metrics)
            {
                kestrel.Listen(metrics, listen => listen.Protocols = HttpProtocols.Http1);
            }
            if (settings.Web is { } web)
            {
                // Browsers speak HTTP/1.1 to a plain loopback address and negotiate HTTP/2 over TLS.
                kestrel.Listen(web.Endpoint, listen =>
                {
                    listen.Protocols = HttpProtocols.Http1AndHttp2;
                    if (web.Certificate is { } certificate)
                    {
                        listen.UseHttps(certificate);
                    }
                });
            }
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            // Above every gRPC limit, so an oversize message meets gRPC's check (RESOURCE_EXHAUSTED with a reason) first.
            kestrel.Limits.MaxRequestBodySize = inputLimits.LargestBodyBytes;
        });

        var services = builder.Services;
        services.AddSingleton(settings.Node);
        services.AddSingleton(settings.Admission);
        services.AddSingleton(settings.Consensus);
        services.AddSingleton(settings.Genesis);
        services.AddSingleton(new ValidatorDirectory(settings.Genesis));
        services.AddSingleton(settings.Identity);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IChainStore>(_ => OpenStore(settings));
        // Admission records each signature it verifies; execution consumes the record instead of verifying again.
        services.AddSingleton(new VerifiedSignatures());
        services.AddSingleton(sp => new BlockProducer(sp.GetRequiredService<IChainStore>(), new EhrExecutor(settings.Genesis.ChainId, settings.Genesis.Validators, sp.GetRequiredService<VerifiedSignatures>())));
        services.AddSingleton<ChainEvents>();
        services.AddSingleton(new ReadReplayGuard());
        services.AddSingleton<NodeMetrics>();
        services.AddSingleton(sp => new AdmissionClock(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<TransactionAdmission>();
        services.AddSingleton(sp => new ChainApplication(
            sp.GetRequiredService<IChainStore>(), sp.GetRequiredService<BlockProducer>(), settings.Genesis,
            sp.GetRequiredService<ChainEvents>(), sp.GetRequiredService<NodeMetrics>(), sp.GetRequiredService<AdmissionClock>(),
            settings.Consensus.MaxRequestBytes)
        {
            Directory = sp.GetRequiredService<ValidatorDirectory>(),
        });
        if (settings.Tls is { } tlsFiles)
        {
            services.AddSingleton(sp => new NodeTls(
                NetworkTrust.Load(tlsFiles.Ca),
                ReloadingCertificate.Open(tlsFiles.Certificate, tlsFiles.Key, tlsFiles.Check(NetworkTrust.Load(tlsFiles.Ca)), sp.GetRequiredService<ILogger<ReloadingCertificate>>()),
                sp.GetRequiredService<ValidatorDirectory>(), settings.Identity.Id, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<NodeTls>>()));
        }
        services.AddSingleton(sp => new SeenHellos(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new PeerTransport(settings.Identity.Keys, settings.Genesis, sp.GetRequiredService<ValidatorDirectory>(), settings.Peers, sp.GetService<NodeTls>(), settings.Node.Insecure, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => new ConsensusPeers(sp.GetRequiredService<PeerTransport>(), new Lazy<ConsensusDriver>(sp.GetRequiredService<ConsensusDriver>)));
        services.AddSingleton<IPeerInbox>(sp => sp.GetRequiredService<ConsensusPeers>());
        services.AddSingleton(sp => new ConsensusDriver(new ReplicaSetup(
            ValidatorSet.FromGenesis(settings.Genesis),
            settings.Identity.Id,
            settings.Identity.Keys.Signing,
            settings.Consensus,
            sp.GetRequiredService<ConsensusPeers>(),
            sp.GetRequiredService<ChainApplication>(),
            new MetaConsensusStore(sp.GetRequiredService<IChainStore>()),
            sp.GetRequiredService<TimeProvider>(),
            settings.Genesis.CreatedAt.ToUnixTimeMilliseconds())));
        services.AddHostedService<NodeLifetime>();
        services.AddSingleton(settings.AccessLog);
        services.AddSingleton(sp => new AccessLogRecorder(new PendingAccessLog(sp.GetRequiredService<IChainStore>()), settings.AccessLog, settings.Identity, settings.Genesis.ChainId, sp.GetRequiredService<TimeProvider>()));
        services.AddHostedService<AccessLogSubmitter>();
        services.AddHostedService<MetricsSampler>();
        if (settings.EmergencyKeys is { } trustee)
        {
            services.AddHostedService(sp => new Emergency.EmergencyReleaser(
                trustee, sp.GetRequiredService<IChainStore>(), sp.GetRequiredService<ChainEvents>(), sp.GetRequiredService<TransactionAdmission>(),
                sp.GetRequiredService<ConsensusDriver>(), settings.Genesis, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<Emergency.EmergencyReleaser>>()));
        }

        services.AddSingleton(inputLimits);
        services.AddSingleton<RefusalLog>();
        services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = inputLimits.ClientMessageBytes;
            grpc.MaxSendMessageSize = PeerLimits.MaxMessageBytes;
            grpc.Interceptors.Add<GrpcInputInterceptor>();
        }).AddServiceOptions<PeerService>(peer => peer.MaxReceiveMessageSize = inputLimits.PeerMessageBytes);
        // Reflection lists what the client listener serves, not every service mapped in the app.
        Google.Protobuf.Reflection.ServiceDescriptor[] clientServices =
            [Ledger.Descriptor, Grpc.Health.V1.Health.Descriptor, Grpc.Reflection.V1Alpha.ServerReflection.Descriptor, Grpc.Reflection.V1.ServerReflection.Descriptor];
        services.AddSingleton(new Grpc.Reflection.ReflectionServiceImpl(clientServices));
        services.AddSingleton(new Grpc.Reflection.ReflectionV1ServiceImpl(clientServices));
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks().AddCheck<NodeHealthCheck>("node");
        if (settings.Web is not null)
        {
            services.AddSingleton(settings.Web);
        }

        var app = builder.Build();
        // A call on the wrong listener is refused before its body is read; the guard then judges what is left.
        app.UseListenerRouting();
        if (settings.Web is not null)
        {
            app.UseMiddleware<WebGuard>();
        }
        // Before gRPC-Web's translation: a gRPC-Web body is framed as gRPC's, so the same limits apply.
        app.UseMiddleware<GrpcRequestGuard>();
        var client = settings.ClientEndpoint.Port;
        // The public API is also served as gRPC-Web on the web listener, with the same guards and
        // limits: the page talks to the node through it, never through a path of its own.
        IReadOnlyList<int> api = settings.Web is null ? [client] : [client, settings.Web.Endpoint.Port];
        if (settings.Web is not null)
        {
            app.UseGrpcWeb();
            app.MapWebApp(settings.Web, settings.Genesis);
        }
        app.MapGrpcService<LedgerService>().ServedOnly(api, "client").EnableGrpcWeb();
        app.MapGrpcHealthChecksService().ServedOnly(api, "client").EnableGrpcWeb();
        app.MapGrpcReflectionService().ServedOnly(client, "client");
        app.MapGrpcService<PeerService>().ServedOnly(settings.PeerEndpoint.Port, "peer");
        if (settings.MetricsEndpoint is { } metricsEndpoint)
        {
            app.MapMetrics("/metrics", app.Services.GetRequiredService<NodeMetrics>().Registry).ServedOnly(metricsEndpoint.Port, "metrics");
        }
        return app;
    }

    private static RocksChainStore OpenStore(NodeSettings settings)
    {
        var store = RocksChainStore.Open(settings.DataDirectory);
        try
        {
            // A snapshot install cut short by a crash: the old chain went when it began, so start
            // from block 0 as a new node would, and state sync again.
            if (store.ImportInProgress)
            {
                store.DiscardImport();
            }
            GenesisBlock.Initialise(store, settings.Genesis);
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }
}
