using EhrChain.Node.Errors;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace EhrChain.Node.Api;

/// <summary>
/// The streaming half of the input guard: every client-streaming and duplex method reads its
/// requests through <see cref="GuardedReader{T}"/>, which turns Grpc.AspNetCore's failures to read
/// one message (an undecodable message, an oversize or broken frame) into the same clean
/// refusals <see cref="GrpcRequestGuard"/> gives single requests, instead of the UNKNOWN and
/// stack trace that would follow. Handler exceptions are left alone, so a real bug still logs.
/// </summary>
public sealed class GrpcInputInterceptor(GrpcInputLimits limits, RefusalLog refusals) : Interceptor
{
    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(Guard(requestStream, context), context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ArgumentNullException.ThrowIfNull(continuation);
        return continuation(Guard(requestStream, context), responseStream, context);
    }

    private GuardedReader<TRequest> Guard<TRequest>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var grpc = context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<Grpc.AspNetCore.Server.GrpcMethodMetadata>();
        var limit = grpc is null ? limits.ClientMessageBytes : limits.For(grpc.ServiceType);
        return new GuardedReader<TRequest>(requestStream, context.Method, limit, refusals);
    }
}

/// <summary>
/// A request stream whose read failures are refusals. An undecodable message throws
/// <see cref="UndecodableMessageException"/> and leaves the stream readable (its frame was
/// consumed), so a handler may answer it and go on; a broken frame ends the stream.
/// </summary>
public sealed class GuardedReader<T>(IAsyncStreamReader<T> inner, string method, int limit, RefusalLog refusals) : IAsyncStreamReader<T>
{
    public T Current => inner.Current;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        try
        {
            return await inner.MoveNext(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidProtocolBufferException)
        {
            throw Refused(new UndecodableMessageException(ApiErrors.Undecodable(typeof(T).Name)));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.ResourceExhausted && e.GetRpcStatus() is null)
        {
            // Grpc.AspNetCore's own "Received message exceeds the maximum configured message size."
            throw Refused(ApiErrors.TooLarge("MESSAGE_TOO_LARGE", "request", $"A request message on this stream is over this port's limit of {limit} bytes."));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Internal && e.GetRpcStatus() is null && !cancellationToken.IsCancellationRequested)
        {
            // "Incomplete message.", a compressed flag without grpc-encoding and the like: the
            // stream's framing is broken and nothing after it can be read. Grpc.AspNetCore's own
            // wording (never client input) says which.
            throw Refused(ApiErrors.MalformedFrame(e.Status.Detail.TrimEnd('.')));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented && e.GetRpcStatus() is null)
        {
            // "Unsupported grpc-encoding value 'x'": gzip is the only one.
            throw Refused(ApiErrors.CompressionNotSupported("Request messages on a stream are plain or gzip."));
        }
        catch (InvalidDataException)
        {
            throw Refused(ApiErrors.MalformedFrame("a message header's compressed flag is neither 0 nor 1"));
        }
        catch (IOException e) when (e.Message.StartsWith("Message too large", StringComparison.Ordinal))
        {
            // A length prefix above 2 GiB, which Grpc.AspNetCore reports before its own size check.
            throw Refused(ApiErrors.TooLarge("MESSAGE_TOO_LARGE", "request", $"A request message on this stream is over this port's limit of {limit} bytes."));
        }
    }

    private RpcException Refused(RpcException refusal)
    {
        refusals.Refused(ApiErrors.ReasonOf(refusal), method);
        return refusal;
    }
}

/// <summary>A request message on a stream that does not decode; the stream can still be read past it.</summary>
public sealed class UndecodableMessageException(RpcException refusal) : RpcException(refusal.Status, refusal.Trailers, refusal.Message);
