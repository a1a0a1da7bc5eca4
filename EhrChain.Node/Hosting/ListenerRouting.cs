using System.Globalization;

namespace EhrChain.Node.Hosting;

/// <summary>
/// Each service answers only on the listener it belongs to, decided by the port the connection
/// arrived on — never by the Host or :authority header, which the caller writes. A call that
/// reaches a service on another listener gets gRPC UNIMPLEMENTED (plain 404 for HTTP/1 metrics),
/// exactly as if the service did not exist there.
/// </summary>
internal static class ListenerRouting
{
    private const int GrpcUnimplemented = 12;

    /// <summary>Endpoint metadata: the local port whose connections this endpoint serves.</summary>
    internal sealed record ServedOn(int Port, string Listener);

    public static TBuilder ServedOnly<TBuilder>(this TBuilder builder, int port, string listener) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new ServedOn(port, listener));

    public static IApplicationBuilder UseListenerRouting(this IApplicationBuilder app) => app.Use(next => context =>
    {
        var servedOn = context.GetEndpoint()?.Metadata.GetMetadata<ServedOn>();
        if (servedOn is null || servedOn.Port == context.Connection.LocalPort)
        {
            return next(context);
        }
        if (context.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // A trailers-only gRPC response: the status travels in the headers, with no body.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = GrpcUnimplemented.ToString(CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = $"Not served on this port: {context.Request.Path.Value?.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "this service"} is on the {servedOn.Listener} listener.";
            return Task.CompletedTask;
        }
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    });
}
