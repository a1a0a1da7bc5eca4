using System.Threading.Channels;
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
    private Task? _loop;

    public ConsensusDriver(ReplicaSetup setup)
    {
        ArgumentNullException.ThrowIfNull(setup);
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
        if (_envelopes.Open(envelope, out _, out var reason) is not { } message)
        {
            _replica.Drops.Increment(reason);
            return;
        }
        if (message.KindCase == ConsensusMessage.KindOneofCase.Forward)
        {
            foreach (var request in message.Forward.Requests)
            {
                _requests.Check(ConsensusHashing.RequestDigest(request), request);
            }
        }
        else if (message.KindCase == ConsensusMessage.KindOneofCase.PrePrepare && message.PrePrepare.Batch is { } batch)
        {
            foreach (var request in batch.Requests)
            {
                _requests.Check(ConsensusHashing.RequestDigest(request), request);
            }
        }
        _inputs.Writer.TryWrite(r =>
        {
            r.OnEnvelope(envelope);
        });
    }

    /// <summary>A client's request: validated on the caller's thread, then pooled and forwarded by the loop.</summary>
    public async Task<SubmitResult> SubmitAsync(ByteString request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_requests.Check(ConsensusHashing.RequestDigest(request), request) is not null)
        {
            return SubmitResult.Invalid;
        }
        var done = new TaskCompletionSource<SubmitResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _inputs.Writer.WriteAsync(r =>
        {
            done.TrySetResult(r.Submit(request));
        }, cancellationToken).ConfigureAwait(false);
        return await done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
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
