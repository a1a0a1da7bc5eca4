using System.Threading.Channels;
using EhrChain.Client.Session;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Bench;

/// <summary>How the benchmark's clients hand transactions to a node.</summary>
public enum BenchSubmit
{
    /// <summary>One SubmitStream per client: the way a client submitting at volume would.</summary>
    Stream,

    /// <summary>One unary Submit call per transaction: the way the CLI submits.</summary>
    Unary,
}

/// <summary>One client's way of sending; refusals at submission go to the tracker by reason.</summary>
internal interface IBenchSubmitter : IAsyncDisposable
{
    /// <summary>Sends one transaction; the task ends when its submission has been answered or, for a stream, queued.</summary>
    Task SendAsync(PresignedTx tx, CancellationToken cancellationToken);

    /// <summary>Ends the submissions and waits for the answers still owed.</summary>
    Task CompleteAsync();
}

internal static class BenchSubmitters
{
    public static IBenchSubmitter Create(BenchSubmit kind, Ledger.LedgerClient ledger, CommitTracker tracker, CancellationToken cancellationToken) => kind switch
    {
        BenchSubmit.Unary => new UnarySubmitter(ledger, tracker),
        _ => new StreamSubmitter(ledger, tracker, cancellationToken),
    };
}

internal sealed class UnarySubmitter(Ledger.LedgerClient ledger, CommitTracker tracker) : IBenchSubmitter
{
    private static readonly TimeSpan SubmitDeadline = TimeSpan.FromSeconds(30);

    public async Task SendAsync(PresignedTx tx, CancellationToken cancellationToken)
    {
        try
        {
            await ledger.SubmitAsync(tx.Request, deadline: DateTime.UtcNow.Add(SubmitDeadline), cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            tracker.Refused(tx.TxId, RpcErrors.ReasonOf(e));
        }
        catch (RpcException) when (cancellationToken.IsCancellationRequested)
        {
            // The run was cancelled; whatever was in flight no longer counts.
        }
    }

    public Task CompleteAsync() => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A SubmitStream: sends are queued and written in order by one writer; outcomes are read as
/// they come back, in the same order, and a refusal is recorded against its transaction.
/// </summary>
internal sealed class StreamSubmitter : IBenchSubmitter
{
    private readonly AsyncDuplexStreamingCall<SubmitRequest, SubmitOutcome> _call;
    private readonly Channel<SubmitRequest> _outgoing = Channel.CreateUnbounded<SubmitRequest>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writing;
    private readonly Task _reading;

    public StreamSubmitter(Ledger.LedgerClient ledger, CommitTracker tracker, CancellationToken cancellationToken)
    {
        _call = ledger.SubmitStream(cancellationToken: cancellationToken);
        _writing = WriteAsync(cancellationToken);
        _reading = ReadAsync(tracker, cancellationToken);
    }

    public Task SendAsync(PresignedTx tx, CancellationToken cancellationToken)
    {
        _outgoing.Writer.TryWrite(tx.Request);
        return Task.CompletedTask;
    }

    public async Task CompleteAsync()
    {
        _outgoing.Writer.TryComplete();
        await _writing.ConfigureAwait(false);
        await _reading.ConfigureAwait(false);
    }

    private async Task WriteAsync(CancellationToken cancellationToken)
    {
        await foreach (var request in _outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await _call.RequestStream.WriteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        await _call.RequestStream.CompleteAsync().ConfigureAwait(false);
    }

    private async Task ReadAsync(CommitTracker tracker, CancellationToken cancellationToken)
    {
        await foreach (var outcome in _call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (outcome.Code != (int)StatusCode.OK)
            {
                tracker.Refused(outcome.TxId, outcome.Reason);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        _call.Dispose();
        return ValueTask.CompletedTask;
    }
}
