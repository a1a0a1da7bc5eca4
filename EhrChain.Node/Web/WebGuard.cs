using EhrChain.Node.Api;
using EhrChain.Node.Errors;
using Grpc.Core;

namespace EhrChain.Node.Web;

/// <summary>
/// What the web listener lets in, before anything is routed: only the host names it is
/// configured for (a hostile page cannot rebind its own name to 127.0.0.1 and talk to the node
/// as same-origin), only same-origin browser calls (no CORS: another site's script never calls
/// the API from a user's browser), and gRPC only as gRPC-Web, which stays off the other ports.
/// Every answer on the web port carries headers that keep the page from being framed, sniffed
/// or made to load code from anywhere but this node.
/// </summary>
internal sealed class WebGuard(RequestDelegate next, WebSettings web)
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; " +
        "form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var contentType = context.Request.ContentType;
        var grpcWeb = contentType?.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) == true;
        if (context.Connection.LocalPort != web.Endpoint.Port)
        {
            return grpcWeb
                ? Refuse(context, StatusCode.Unimplemented, "gRPC-Web is served on the web listener only.")
                : next(context);
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";

        var host = context.Request.Host.Host;
        if (!web.Hosts.Contains(host))
        {
            return Plain(context, StatusCodes.Status421MisdirectedRequest, $"This web page does not answer to the host name '{ApiErrors.Quote(host)}' (Node:WebHosts).");
        }
        // Browsers send Origin on every POST, same-origin ones included; a client that is not a
        // browser sends none and is no one's confused deputy.
        if (context.Request.Headers.Origin is { Count: > 0 } origin
            && !string.Equals(origin.ToString(), $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            return grpcWeb
                ? Refuse(context, StatusCode.PermissionDenied, "Cross-origin calls are not accepted: use the page this node serves.")
                : Plain(context, StatusCodes.Status403Forbidden, "Cross-origin requests are not accepted.");
        }
        if (contentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) == true && !grpcWeb)
        {
            return Refuse(context, StatusCode.Unimplemented, "The web listener speaks gRPC-Web; gRPC is on the client listener.");
        }
        return next(context);
    }

    private static Task Refuse(HttpContext context, StatusCode code, string message) =>
        GrpcTrailersOnly.WriteAsync(context, new RpcException(new Status(code, message)));

    private static Task Plain(HttpContext context, int status, string message)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(message + "\n");
    }
}
