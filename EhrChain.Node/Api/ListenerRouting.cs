using EhrChain.Node.Errors;
using Grpc.Core;

namespace EhrChain.Node.Api;

/// <summary>
/// Each service answers only on the listener it belongs to, decided by the port the connection
/// arrived on — never by the Host or :authority header, which the caller writes. A call that
/// reaches a service on another listener gets gRPC UNIMPLEMENTED (plain 404 for HTTP/1 metrics),
/// exactly as if the service did not exist there.
/// </summary>
internal static class ListenerRouting
{
    /// <summary>Endpoint metadata: the local ports whose connections this endpoint serves (the client API is also on the web listener, as gRPC-Web).</summary>
    internal sealed record ServedOn(IReadOnlyList<int> Ports, string Listener);

    public static TBuilder ServedOnly<TBuilder>(this TBuilder builder, int port, string listener) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ServedOn([port], listener));

    public static TBuilder ServedOnly<TBuilder>(this TBuilder builder, IReadOnlyList<int> ports, string listener) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ServedOn(ports, listener));

    public static IApplicationBuilder UseListenerRouting(this IApplicationBuilder app) => app.Use(next => context =>
    {
        var servedOn = context.GetEndpoint()?.Metadata.GetMetadata<ServedOn>();
        if (servedOn is null || servedOn.Ports.Contains(context.Connection.LocalPort))
        {
            return next(context);
        }
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            var service = context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return GrpcTrailersOnly.WriteAsync(context, new RpcException(new Status(StatusCode.Unimplemented,
                $"Not served on this port: {(service is null ? "this service" : ApiErrors.Quote(service))} is on the {servedOn.Listener} listener.")));
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    });
}
