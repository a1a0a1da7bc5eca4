using EhrChain.Cli.Output;
using Grpc.Net.Client;

namespace EhrChain.Cli.Client;

/// <summary>gRPC channels to a node's client address (host:port, HTTP/2 without TLS).</summary>
internal static class NodeChannels
{
    public static GrpcChannel Open(string node)
    {
        var address = node.Contains("://", StringComparison.Ordinal) ? node : $"http://{node}";
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            throw new CliException($"--node '{node}' is not host:port.");
        }
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) },
        });
    }
}
