using System.Threading.Channels;
using EhrChain.Core.Chain;
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
            await foreach (var request in requestStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await outcomes.WriteAsync(OutcomeOfAsync(index++, request, cancellationToken), cancellationToken).ConfigureAwait(false);
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
            var payload = request.Transaction?.Payload;
            return Refused(index, payload is null || payload.IsEmpty ? "" : TransactionIds.OfPayload(payload.Span).ToString(), e);
        }
    }

    private static SubmitOutcome Refused(ulong index, string txId, RpcException refusal) => new()
    {
        Index = index,
        TxId = txId,
        Code = (int)refusal.StatusCode,
        Reason = ReasonOf(refusal),
        Message = refusal.Status.Detail,
    };
}
