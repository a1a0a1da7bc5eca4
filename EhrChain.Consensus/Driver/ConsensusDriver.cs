using System.Collections.Concurrent;
using System.Threading.Channels;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Runs a <see cref="Replica"/> in production: one loop reads a channel of inputs and calls the
/// replica, so the replica itself stays single-threaded. The expensive checks (envelope
/// signatures, request validation) run on the calling threads before an input is queued, in
/// parallel, and their results are remembered so the loop does not repeat them.
/// </summary>
public sealed class ConsensusDriver : IAsyncDisposable
{
    private readonly Channel<Action<Replica>> _inputs = Channel.CreateUnbounded<Action<Replica>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Replica _replica;
    private readonly EnvelopeVerifier _envelopes;
    private readonly RequestVerifier _requests;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<(ByteString Request, Hash Digest, TaskCompletionSource<SubmitResult> Done)> _submissions = new();
    private readonly Action<Replica> _drainSubmissions;
    private int _drainQueued;
    private Task? _loop;

    // A FORWARD stays far below the peer message limit (64 MiB) and a backup checks it in one go.
    private const int MaxForwardCount = 512;
    private const long MaxForwardBytes = 8 * 1024 * 1024;

    public ConsensusDriver(ReplicaSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
        _drainSubmissions = DrainSubmissions;
        _envelopes = setup.EnvelopeVerifier ?? new EnvelopeVerifier(setup.Validators);
        _requests = setup.RequestVerifier ?? new RequestVerifier(setup.Application, setup.Options.CommittedMemory);
        _replica = new Replica(setup with { EnvelopeVerifier = _envelopes, RequestVerifier = _requests },
            (timer, generation) => _inputs.Writer.TryWrite(r =>
            {
                r.OnTimer(timer, generation);
            }));
    }

    /// <summary>Counters of dropped input; safe to read from any thread.</summary>
    public DropCounters Drops => _replica.Drops;

    public void Start()
    {
        _loop ??= Task.Run(() => RunAsync(_stop.Token));
        _inputs.Writer.TryWrite(r =>
        {
            r.Start();
        });
    }

    /// <summary>An envelope from a peer. Its signature is checked here, on the caller's thread.</summary>
    public void Deliver(ConsensusEnvelope envelope)
    {
        if (_envelopes.Open(envelope, out var sender, out var reason) is not { } message)
        {
            _replica.Drops.Increment(reason);
            return;
        }
        var carried = message.KindCase switch
        {
            ConsensusMessage.KindOneofCase.Forward => message.Forward.Requests,
            ConsensusMessage.KindOneofCase.PrePrepare => message.PrePrepare.Batch?.Requests,
            _ => null,
        };
        Hash[]? digests = null;
        if (carried is not null)
        {
            // Each carried request is hashed once, here, and the loop takes the digests along.
            digests = CommittedBatch.DigestsOf(carried);
            for (var i = 0; i < digests.Length; i++)
            {
                _requests.Check(digests[i], carried[i]);
            }
        }
        // The loop takes the message as opened here: opening it again there meant hashing and
        // parsing the whole body (a PRE-PREPARE carries its batch) a second time.
        _inputs.Writer.TryWrite(r =>
        {
            r.OnOpenedEnvelope(sender, envelope, message, digests);
        });
    }

    /// <summary>A client's request: validated on the caller's thread, then pooled and forwarded by the loop.</summary>
    public async Task<SubmitResult> SubmitAsync(ByteString request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var digest = ConsensusHashing.RequestDigest(request);
        return _requests.Check(digest, request) is not null
            ? SubmitResult.Invalid
            : await EnqueueAsync(request, digest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A request this node's application already validated and made something of (its admission's decoded transaction).</summary>
    /// <param name="request">The request's bytes.</param>
    /// <param name="digest">Their SHA-256, as the application computed it for its own use.</param>
    /// <param name="prepared">What the application made of the request: taken as the check, and handed back at execution.</param>
    /// <param name="cancellationToken">Gives up waiting for the loop.</param>
    public Task<SubmitResult> SubmitAsync(ByteString request, Hash digest, object prepared, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        _requests.Accept(digest, prepared);
        return EnqueueAsync(request, digest, cancellationToken);
    }

    private async Task<SubmitResult> EnqueueAsync(ByteString request, Hash digest, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<SubmitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        _submissions.Enqueue((request, digest, done));
        // One drain input per burst: submissions that arrive while the loop is busy go out together.
        if (Interlocked.CompareExchange(ref _drainQueued, 1, 0) == 0 && !_inputs.Writer.TryWrite(_drainSubmissions))
        {
            Volatile.Write(ref _drainQueued, 0);
            throw new ObjectDisposedException(nameof(ConsensusDriver));
        }
        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands every queued submission to the replica in groups (one FORWARD each). The flag is
    /// cleared before the queue is read, so a submission queued after this point schedules
    /// another drain rather than being stranded.
    /// </summary>
    private void DrainSubmissions(Replica replica)
    {
        Volatile.Write(ref _drainQueued, 0);
        var group = new List<(ByteString Request, Hash Digest, TaskCompletionSource<SubmitResult> Done)>();
        while (true)
        {
            group.Clear();
            var bytes = 0L;
            while (group.Count < MaxForwardCount && bytes < MaxForwardBytes && _submissions.TryDequeue(out var next))
            {
                group.Add(next);
                bytes += next.Request.Length;
            }
            if (group.Count == 0)
            {
                return;
            }
            var results = replica.SubmitMany(group.ConvertAll(g => (g.Request, g.Digest)));
            for (var i = 0; i < group.Count; i++)
            {
                group[i].Done.TrySetResult(results[i]);
            }
        }
    }

    /// <summary>Reads replica state on the loop, so the answer is consistent.</summary>
    public async Task<T> QueryAsync<T>(Func<Replica, T> query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _inputs.Writer.WriteAsync(r =>
        {
            done.TrySetResult(query(r));
        }, cancellationToken).ConfigureAwait(false);
        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var input in _inputs.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                input(_replica);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        _inputs.Writer.TryComplete();
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _replica.Dispose();
        _stop.Dispose();
    }
}
