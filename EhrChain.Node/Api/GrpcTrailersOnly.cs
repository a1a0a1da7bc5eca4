using System.Globalization;
using System.Text;
using Grpc.Core;

namespace EhrChain.Node.Api;

/// <summary>
/// A gRPC "trailers-only" answer written straight to HTTP, for middleware that refuses a call
/// before Grpc.AspNetCore sees it: the status in the response headers, no message.
/// </summary>
public static class GrpcTrailersOnly
{
    public static Task WriteAsync(HttpContext context, RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(refusal);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        // A gRPC-Web client (the web page) accepts only its own content type, even for a refusal.
        response.ContentType = context.Request.ContentType?.StartsWith("application/grpc-web", StringComparison.OrdinalIgnoreCase) == true
            ? "application/grpc-web+proto"
            : "application/grpc";
        response.Headers["grpc-status"] = ((int)refusal.StatusCode).ToString(CultureInfo.InvariantCulture);
        response.Headers["grpc-message"] = PercentEncoded(refusal.Status.Detail);
        foreach (var entry in refusal.Trailers)
        {
            response.Headers[entry.Key] = entry.IsBinary ? Convert.ToBase64String(entry.ValueBytes) : entry.Value;
        }
        return response.CompleteAsync();
    }

    /// <summary>grpc-message is percent-encoded UTF-8: printable ASCII other than '%' as is, the rest as %XX.</summary>
    public static string PercentEncoded(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var encoded = new StringBuilder(text.Length);
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            if (b is >= 0x20 and <= 0x7e && b != (byte)'%')
            {
                encoded.Append((char)b);
            }
            else
            {
                encoded.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
        }
        return encoded.ToString();
    }
}
