using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using EhrChain.Node.Tls;
using Grpc.Core;
using Grpc.Net.Client;

namespace EhrChain.Node.Peers;

/// <summary>
/// The outbound stream to one peer: a bounded queue drained onto a long-lived gRPC stream,
/// reopened with exponential backoff when it breaks. When the queue is full the oldest message
/// is dropped — consensus tolerates loss — so a peer that is down or slow never stalls the others.
/// </summary>
internal sealed partial class PeerLink : IAsyncDisposable
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(100);

    private readonly string _peerId;
    private readonly string _address;
    private readonly Func<string, byte[], PeerHello> _hello;
    // Null exactly when the node runs insecure: the constructor refuses any other combination.
    private readonly NodeTls? _tls;
    private GrpcChannel? _channel;
    private X509Certificate2? _channelCertificate;
    private readonly TimeProvider _time;
    private readonly TimeSpan _maxBackoff;
    private readonly ILogger _logger;
    private readonly Channel<ReadOnlyMemory<byte>> _queue;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private long _dropped;
    private volatile bool _connected;

    /// <summary><paramref name="hello"/> makes the hello for (the validator dialled, this channel's certificate hash).</summary>
    /// <remarks>
    /// Plaintext only when <paramref name="insecure"/> (Node:Insecure) says so: a missing TLS setup on a
    /// secure node is a wiring fault, and dialling validators in the clear would leak consensus
    /// traffic about health records, so it fails here, at startup, instead of quietly using http.
    /// </remarks>
    public PeerLink(string peerId, string address, Func<string, byte[], PeerHello> hello, NodeTls? tls, bool insecure, int queueCapacity, TimeSpan maxBackoff, TimeProvider time, ILogger logger)
    {
        if (insecure && tls is not null)
        {
            throw new InvalidOperationException($"The link to {peerId} was given TLS on an insecure node; a node is either one or the other.");
        }
        if (!insecure && tls is null)
        {
            throw new InvalidOperationException($"The link to {peerId} has no TLS but the node is not insecure; refusing to dial a validator in plaintext.");
        }
        _peerId = peerId;
        _address = address;
        _hello = hello;
        _tls = tls;
        _time = time;
        _maxBackoff = maxBackoff;
        _logger = logger;
        _queue = Channel.CreateBounded<ReadOnlyMemory<byte>>(
            new BoundedChannelOptions(queueCapacity) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true },
            _ => Interlocked.Increment(ref _dropped));
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public string PeerId => _peerId;
    public string Address => _address;
    public bool IsConnected => _connected;
    public long Dropped => Interlocked.Read(ref _dropped);
    public int Queued => _queue.Reader.Count;

    public void Enqueue(ReadOnlyMemory<byte> message) => _queue.Writer.TryWrite(message);

    /// <summary>
    /// A channel presents one certificate for all its connections, so the hello's binding holds on
    /// each; after a rotation the next stream opens a new channel with the new certificate.
    /// </summary>
    private (Peer.PeerClient Client, byte[] CertificateHash) Connect()
    {
        var certificate = _tls?.Certificate.Current;
        if (_channel is null || !ReferenceEquals(certificate, _channelCertificate))
        {
            _channel?.Dispose();
            var handler = new SocketsHttpHandler
            {
                // Pings find a dead connection while the stream is idle, not only on the next write.
                KeepAlivePingDelay = TimeSpan.FromSeconds(5),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
                ConnectTimeout = TimeSpan.FromSeconds(3),
                EnableMultipleHttp2Connections = false,
            };
            if (_tls is not null)
            {
                handler.SslOptions = _tls.PeerDialer(_peerId, certificate!);
            }
            _channel = GrpcChannel.ForAddress($"{(_tls is null ? "http" : "https")}://{_address}", new GrpcChannelOptions
            {
                MaxSendMessageSize = PeerLimits.MaxMessageBytes,
                HttpHandler = handler,
            });
            _channelCertificate = certificate;
        }
        return (new Peer.PeerClient(_channel), certificate is null ? [] : ValidatorCertificate.HashOf(certificate));
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var backoff = InitialBackoff;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var (client, certificateHash) = Connect();
                await StreamAsync(client, certificateHash, stop).ConfigureAwait(false);
                backoff = InitialBackoff;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is RpcException or IOException or HttpRequestException or InvalidOperationException or OperationCanceledException)
            {
                if (_connected)
                {
                    LogDisconnected(_peerId, e.Message);
                }
                _connected = false;
                try
                {
                    await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _maxBackoff.Ticks));
            }
        }
        _connected = false;
    }

    /// <summary>
    /// The messages queued now, as one frame: each frame is an HTTP/2 write and a flush, and the
    /// votes of one batch are sent in bursts, so a burst goes out as one write instead of many.
    /// </summary>
    private PeerFrame? NextFrame()
    {
        if (!_queue.Reader.TryRead(out var first))
        {
            return null;
        }
        var message = Google.Protobuf.UnsafeByteOperations.UnsafeWrap(first);
        if (!_queue.Reader.TryPeek(out _))
        {
            return new PeerFrame { Message = message };
        }
        var batch = new PeerBatch { Messages = { message } };
        var bytes = (long)first.Length;
        while (bytes < MaxFrameBytes && _queue.Reader.TryRead(out var next))
        {
            batch.Messages.Add(Google.Protobuf.UnsafeByteOperations.UnsafeWrap(next));
            bytes += next.Length;
        }
        return new PeerFrame { Batch = batch };
    }

    // Well below the peer message limit; one large PRE-PREPARE may exceed it alone and still goes.
    private const long MaxFrameBytes = 4 * 1024 * 1024;

    private async Task StreamAsync(Peer.PeerClient client, byte[] certificateHash, CancellationToken stop)
    {
        using var call = client.Stream(cancellationToken: stop);
        await call.RequestStream.WriteAsync(new PeerFrame { Hello = _hello(_peerId, certificateHash) }, stop).ConfigureAwait(false);

        // The listener ends the call when it refuses us or shuts down; stop writing then.
        using var ended = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var response = call.ResponseAsync.ContinueWith(_ => ended.Cancel(), TaskScheduler.Default);

        _connected = true;
        LogConnected(_peerId);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(ended.Token).ConfigureAwait(false))
            {
                while (NextFrame() is { } frame)
                {
                    await call.RequestStream.WriteAsync(frame, ended.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            // Surface why the listener ended the stream.
            await call.ResponseAsync.ConfigureAwait(false);
            throw new IOException("the peer closed the stream");
        }
        finally
        {
            await response.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _queue.Writer.TryComplete();
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        _channel?.Dispose();
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Connected to peer {PeerId}")]
    private partial void LogConnected(string peerId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost peer {PeerId}: {Reason}; reconnecting with backoff")]
    private partial void LogDisconnected(string peerId, string reason);
}
