using EhrChain.Consensus;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Node.AccessLog;

/// <summary>
/// Submits this node's access-log transactions to its own consensus replica: when a batch is
/// full or every <see cref="AccessLogOptions.FlushInterval"/>, and again until each is in a
/// block. It goes around admission (the node signed them itself, and a restored one may be older
/// than admission's window); the executor judges them like any transaction.
/// </summary>
public sealed partial class AccessLogSubmitter(
    AccessLogRecorder recorder, AccessLogOptions options, ConsensusDriver consensus, IChainStore store, ILogger<AccessLogSubmitter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await recorder.BatchFull.WaitAsync(options.FlushInterval, stoppingToken).ConfigureAwait(false);
                foreach (var transaction in recorder.CutBatches())
                {
                    await SubmitAsync(transaction, stoppingToken).ConfigureAwait(false);
                }
                var (resubmit, settled) = recorder.Settle(store.FindTransaction);
                foreach (var location in settled.Where(l => l.Code != TxResultCode.Ok))
                {
                    LogRefused(location.Height, location.Code);
                }
                foreach (var transaction in resubmit)
                {
                    await SubmitAsync(transaction, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The entries stay in the node's store; the next round tries again.
                LogFailed(e);
            }
        }
    }

    private async Task SubmitAsync(ByteString transaction, CancellationToken cancellationToken)
    {
        var outcome = await consensus.SubmitAsync(transaction, cancellationToken).ConfigureAwait(false);
        if (outcome is SubmitResult.Invalid or SubmitResult.PoolFull)
        {
            LogNotTaken(outcome);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "An access-log transaction of this node was refused at height {Height} ({Code}); its reads are not on the chain")]
    private partial void LogRefused(ulong height, TxResultCode code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consensus did not take an access-log transaction ({Outcome}); it is submitted again later")]
    private partial void LogNotTaken(SubmitResult outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Access-log submission failed; retrying")]
    private partial void LogFailed(Exception exception);
}
