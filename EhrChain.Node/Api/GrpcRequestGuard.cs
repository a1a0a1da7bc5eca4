using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Reflection;
using EhrChain.Node.Errors;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace EhrChain.Node.Api;

/// <summary>
/// Reads and decodes the request of every unary and server-streaming gRPC call before
/// Grpc.AspNetCore does. Grpc.AspNetCore decodes those requests before any interceptor runs and
/// turns a decoding failure into <c>UNKNOWN: Exception was thrown by handler.</c> with an error
/// log and stack trace; here a bad frame, an oversize length prefix or undecodable bytes get
/// INVALID_ARGUMENT or RESOURCE_EXHAUSTED with a reason and the google.rpc details, and one
/// rate-limited warning line. A request that passes is handed on unchanged from a buffer.
/// Streaming requests are checked message by message by <see cref="GrpcInputInterceptor"/>.
/// </summary>
public sealed class GrpcRequestGuard(RequestDelegate next, GrpcInputLimits limits, RefusalLog refusals)
{
    private readonly ConcurrentDictionary<IMethod, MessageDescriptor?> _inputTypes = new();

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var grpc = context.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>();
        if (grpc is null
            || grpc.Method.Type is MethodType.ClientStreaming or MethodType.DuplexStreaming
            || !HttpMethods.IsPost(context.Request.Method)
            || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true
            || _inputTypes.GetOrAdd(grpc.Method, _ => InputTypeOf(grpc)) is not { } input)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var limit = limits.For(grpc.ServiceType);
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = (long)limit + GrpcInputLimits.FrameHeaderBytes;
        }
        byte[]? frame;
        RpcException? refusal;
        try
        {
            (frame, refusal) = await ReadOneFrameAsync(context.Request.BodyReader, input, limit, context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away mid-request: there is no one to answer and nothing to log.
            return;
        }
        catch (BadHttpRequestException e)
        {
            // Kestrel's own limits, met before the frame says anything: a Content-Length over the
            // body limit set above, or a body that breaks HTTP itself.
            (frame, refusal) = (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge
                ? ApiErrors.TooLarge("MESSAGE_TOO_LARGE", "request", $"The request body is over this port's limit of {limit} bytes and its frame header.")
                : ApiErrors.MalformedFrame("the HTTP request body is malformed"));
        }
        if (refusal is not null)
        {
            refusals.Refused(ApiErrors.ReasonOf(refusal), grpc.Method.FullName);
            await GrpcTrailersOnly.WriteAsync(context, refusal).ConfigureAwait(false);
            return;
        }
        context.Request.Body = new MemoryStream(frame!, writable: false);
        await next(context).ConfigureAwait(false);
    }

    /// <summary>
    /// One length-prefixed message and nothing after it, decoded as <paramref name="input"/>:
    /// returns the frame's bytes, or the refusal. The length prefix is checked before the
    /// message is read, so a 4 GiB prefix costs five bytes.
    /// </summary>
    public static async Task<(byte[]? Frame, RpcException? Refusal)> ReadOneFrameAsync(PipeReader body, MessageDescriptor input, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(input);
        long? frameLength = null;
        while (true)
        {
            var read = await body.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = read.Buffer;
            if (frameLength is null && buffer.Length >= GrpcInputLimits.FrameHeaderBytes)
            {
                var (length, problem) = HeaderOf(buffer.Slice(0, GrpcInputLimits.FrameHeaderBytes), limit);
                if (problem is not null)
                {
                    body.AdvanceTo(buffer.Start);
                    return (null, problem);
                }
                frameLength = GrpcInputLimits.FrameHeaderBytes + length;
            }
            if (frameLength is { } expected && buffer.Length > expected)
            {
                body.AdvanceTo(buffer.Start);
                return (null, ApiErrors.MalformedFrame("more than one message for a method that takes one"));
            }
            if (!read.IsCompleted)
            {
                body.AdvanceTo(buffer.Start, buffer.End);
                continue;
            }
            if (frameLength is null || buffer.Length < frameLength)
            {
                body.AdvanceTo(buffer.Start);
                return (null, ApiErrors.MalformedFrame(buffer.IsEmpty ? "the body carries no message" : "the body ends inside its message"));
            }
            var frame = buffer.ToArray();
            body.AdvanceTo(buffer.End);
            return Decodes(input, frame) ? (frame, null) : (null, ApiErrors.Undecodable(input.FullName));
        }
    }

    /// <summary>Whether the message after the frame header decodes as <paramref name="input"/>.</summary>
    public static bool Decodes(MessageDescriptor input, byte[] frame)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(frame);
        try
        {
            input.Parser.ParseFrom(frame, GrpcInputLimits.FrameHeaderBytes, frame.Length - GrpcInputLimits.FrameHeaderBytes);
            return true;
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }
    }

    private static (long Length, RpcException? Problem) HeaderOf(ReadOnlySequence<byte> header, int limit)
    {
        Span<byte> bytes = stackalloc byte[GrpcInputLimits.FrameHeaderBytes];
        header.CopyTo(bytes);
        var length = BinaryPrimitives.ReadUInt32BigEndian(bytes[1..]);
        return bytes[0] switch
        {
            _ when length > limit => (length, ApiErrors.MessageTooLarge(length, limit)),
            0 => (length, null),
            // Single requests are small and sent plain by every client: not inflating them keeps
            // the size check on the real size. (Streams take gzip; gRPC bounds the inflated size.)
            1 => (length, ApiErrors.CompressionNotSupported("Single-request methods take uncompressed messages only.")),
            _ => (length, ApiErrors.MalformedFrame("the compressed flag is neither 0 nor 1")),
        };
    }

    private static MessageDescriptor? InputTypeOf(GrpcMethodMetadata grpc)
    {
        // The generated base class names its descriptor holder, e.g. Ledger for LedgerService.
        var bindType = grpc.ServiceType.GetCustomAttribute<BindServiceMethodAttribute>(inherit: true)?.BindType;
        var descriptor = bindType?.GetProperty("Descriptor", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as Google.Protobuf.Reflection.ServiceDescriptor;
        return descriptor is not null && descriptor.FullName == grpc.Method.ServiceName
            ? descriptor.FindMethodByName(grpc.Method.Name)?.InputType
            : null;
    }
}
