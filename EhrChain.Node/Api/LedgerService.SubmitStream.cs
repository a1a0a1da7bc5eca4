using System.Threading.Channels;
using EhrChain.Core.Chain;
using EhrChain.Node.Errors;
using Grpc.Core;

namespace EhrChain.Node.Api;

// Submission at volume: one stream, many transactions, each admitted as Submit admits it.
public sealed partial class LedgerService
{
    /// <summary>
    /// Outcomes not yet written back: admission runs as requests arrive, and the stream's reader
    /// pauses once this many await their place in the reply, so a client that never reads its
    /// outcomes cannot make the node buffer without bound.
    /// </summary>
    private const int StreamOutcomesInFlight = 1024;

    public override async Task SubmitStream(IAsyncStreamReader<SubmitRequest> requestStream, IServerStreamWriter<SubmitOutcome> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        await CatchUpAsync(context).ConfigureAwait(false);
        var cancellation = context.CancellationToken;
        var outcomes = Channel.CreateBounded<Task<SubmitOutcome>>(new BoundedChannelOptions(StreamOutcomesInFlight) { SingleReader = true, SingleWriter = true });
        // Both halves are awaited together, so when the client goes away mid-stream neither
        // half's failure is left unobserved.
        await Task.WhenAll(
            AdmitInOrderAsync(requestStream, outcomes.Writer, cancellation),
            WriteOutcomesInOrderAsync(outcomes.Reader, responseStream, cancellation)).ConfigureAwait(false);
    }

    private async Task AdmitInOrderAsync(IAsyncStreamReader<SubmitRequest> requestStream, ChannelWriter<Task<SubmitOutcome>> outcomes, CancellationToken cancellationToken)
    {
        try
        {
            ulong index = 0;
            while (true)
            {
                Task<SubmitOutcome> outcome;
                try
                {
                    if (!await requestStream.MoveNext(cancellationToken).ConfigureAwait(false))
                    {
                        break;
                    }
                    outcome = OutcomeOfAsync(index, requestStream.Current, cancellationToken);
                }
                catch (UndecodableMessageException undecodable)
                {
                    // Its frame was consumed: the request is answered at its place and the stream read on.
                    outcome = Task.FromResult(Refused(index, "", undecodable));
                }
                index++;
                await outcomes.WriteAsync(outcome, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            outcomes.TryComplete();
        }
    }

    private static async Task WriteOutcomesInOrderAsync(ChannelReader<Task<SubmitOutcome>> outcomes, IServerStreamWriter<SubmitOutcome> responseStream, CancellationToken cancellationToken)
    {
        await foreach (var outcome in outcomes.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            await responseStream.WriteAsync(await outcome.ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<SubmitOutcome> OutcomeOfAsync(ulong index, SubmitRequest request, CancellationToken cancellationToken)
    {
        if (request.Wait)
        {
            return Refused(index, "", ApiErrors.BadRequest("WAIT_NOT_ON_STREAM", "wait", "SubmitStream does not wait for commits; follow them with Subscribe or GetTransaction."));
        }
        try
        {
            var txId = await AdmitAndOrderAsync(request.Transaction, waiting: false, cancellationToken).ConfigureAwait(false);
            return new SubmitOutcome { Index = index, TxId = txId.ToString(), Code = (int)StatusCode.OK };
        }
        catch (RpcException e)
        {
            return Refused(index, TxIdOf(request), e);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A fault of this node, not of the request: logged with its exception, answered in
            // its place, and the stream goes on, so the requests after it are still reported.
            LogStreamRequestFailed(e, index);
            return Refused(index, TxIdOf(request), ApiErrors.Create(StatusCode.Internal, "INTERNAL", "The node failed on this request; its operator's log has the details."));
        }
    }

    private static string TxIdOf(SubmitRequest request)
    {
        var payload = request.Transaction?.Payload;
        return payload is null || payload.IsEmpty ? "" : TransactionIds.OfPayload(payload.Span).ToString();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "SubmitStream request {Index} failed inside the node")]
    private partial void LogStreamRequestFailed(Exception exception, ulong index);

    private static SubmitOutcome Refused(ulong index, string txId, RpcException refusal) => new()
    {
        Index = index,
        TxId = txId,
        Code = (int)refusal.StatusCode,
        Reason = ApiErrors.ReasonOf(refusal),
        Message = refusal.Status.Detail,
    };
}
