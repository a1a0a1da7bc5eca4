using EhrChain.Consensus;
using EhrChain.Contracts;
using EhrChain.Core.Chain;
using EhrChain.Node.Api;
using EhrChain.Node.Metrics;
using EhrChain.Node.Peers;
using EhrChain.Node.Tls;
using EhrChain.Node.Web;
using EhrChain.Storage;
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
    /// <param name="configuration">The node's settings.</param>
    /// <param name="logging">Extra logging setup (tests collect the node's log).</param>
    /// <param name="clock">The clock every part of the node reads; the system's unless a test shifts it.</param>
    public static WebApplication Build(IConfiguration configuration, Action<ILoggingBuilder>? logging = null, TimeProvider? clock = null)
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

        // Each library registers its own services; the host composes them, with one clock for all.
        builder.Services
            .AddSingleton(clock ?? TimeProvider.System)
            .AddEhrChainStorage(settings.DataDirectory, ContractServices.GenesisInitialiser(settings.Genesis))
            .AddEhrChainContracts(settings.Genesis)
            .AddEhrChainConsensus(ValidatorSet.FromGenesis(settings.Genesis), settings.Identity.Id, settings.Identity.Keys.Signing, settings.Genesis.CreatedAt.ToUnixTimeMilliseconds())
            .AddEhrChainNode(settings, inputLimits);

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
}
