using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
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
using EhrChain.Storage;

namespace EhrChain.Node.Hosting;

/// <summary>
/// What the node registers on top of the storage, contract and consensus libraries: admission, the
/// chain application and its events, peers and TLS, the access log, break-glass releases, metrics
/// and the public API's services. It implements the consensus seams with the chain application,
/// the peer transport and the chain store's meta space.
/// </summary>
internal static class NodeServices
{
    public static IServiceCollection AddEhrChainNode(this IServiceCollection services, NodeSettings settings, GrpcInputLimits inputLimits)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings.Node);
        services.AddSingleton(settings.Admission);
        services.AddSingleton(settings.Consensus);
        services.AddSingleton(settings.Genesis);
        services.AddSingleton(new ValidatorDirectory(settings.Genesis));
        services.AddSingleton(settings.Identity);
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
        services.AddSingleton<ConsensusPeers>();
        services.AddSingleton<ConsensusInbox>();
        services.AddSingleton<IPeerInbox>(sp => sp.GetRequiredService<ConsensusInbox>());
        // The seams consensus orders through: the chain application, the peers, the chain store's meta space.
        services.AddSingleton<IConsensusApplication>(sp => sp.GetRequiredService<ChainApplication>());
        services.AddSingleton<IConsensusTransport>(sp => sp.GetRequiredService<ConsensusPeers>());
        services.AddSingleton<IConsensusStore>(sp => new MetaConsensusStore(sp.GetRequiredService<IChainStore>()));
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

        return services;
    }
}
