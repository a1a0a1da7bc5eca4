using EhrChain.Consensus;
using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Admission;
using EhrChain.Node.Events;
using EhrChain.Storage;
using Grpc.Core;

namespace EhrChain.Node.Emergency;

/// <summary>
/// The organisation's emergency trustee, run beside its node: when a block commits an
/// EmergencyOpen, it releases this trustee's escrowed shares of the record's keys, re-sealed to
/// the emergency's doctor, as a transaction of its own, so the doctor's one transaction is
/// enough and every unseal is on the chain. At start it catches up on emergencies opened while
/// it was down. Configured by Node:EmergencyKeyFile; without it the node releases nothing.
/// </summary>
internal sealed partial class EmergencyReleaser(
    KeyFile trustee,
    IChainStore store,
    ChainEvents events,
    TransactionAdmission admission,
    ConsensusDriver consensus,
    Core.Genesis.GenesisFile genesis,
    TimeProvider time,
    ILogger<EmergencyReleaser> logger) : BackgroundService
{
    private readonly TrusteeReleases _releases = new(trustee, genesis.ChainId, time);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var next = (store.Head?.Height ?? 0) + 1;
            await ReleaseAsync(OpenUnreviewed(), stoppingToken).ConfigureAwait(false);
            while (!stoppingToken.IsCancellationRequested)
            {
                await events.WaitForHeightAsync(next, stoppingToken).ConfigureAwait(false);
                var head = store.Head?.Height ?? 0;
                for (; next <= head; next++)
                {
                    await ReleaseAsync(OpenedIn(store.GetBlock(next)), stoppingToken).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private async Task ReleaseAsync(IEnumerable<string> emergencyIds, CancellationToken cancellationToken)
    {
        foreach (var id in emergencyIds)
        {
            SignedTransaction? release;
            using (var view = store.OpenView())
            {
                release = _releases.Release(view, id, time.GetUtcNow());
            }
            if (release is null)
            {
                continue;
            }
            try
            {
                var admitted = admission.Admit(release);
                var outcome = await consensus.SubmitAsync(admitted.Bytes, admitted.Digest, admitted, cancellationToken).ConfigureAwait(false);
                LogReleased(id, admitted.TxId, outcome);
            }
            catch (RpcException e)
            {
                // Admission's verdict (say, a clock far off): the doctor can still be served by the other trustees.
                LogRefused(id, e.Status.Detail);
            }
        }
    }

    /// <summary>The emergencies opened by the block's accepted transactions; their id is derived from the opening tx id, as the executor does.</summary>
    private static IEnumerable<string> OpenedIn(Block? block)
    {
        if (block is null)
        {
            yield break;
        }
        for (var i = 0; i < block.Transactions.Count && i < block.Results.Count; i++)
        {
            if (block.Results[i].Code != TxResultCode.Ok)
            {
                continue;
            }
            var signed = SignedTransaction.Parser.ParseFrom(block.Transactions[i]);
            if (TransactionPayload.Parser.ParseFrom(signed.Payload).ActionCase == TransactionPayload.ActionOneofCase.EmergencyOpen)
            {
                yield return "em-" + TransactionIds.OfPayload(signed.Payload.Span).ToString()[..20];
            }
        }
    }

    /// <summary>Every emergency not reviewed yet; the release skips those closed, lapsed or already released by this trustee.</summary>
    private List<string> OpenUnreviewed()
    {
        using var view = store.OpenView();
        return view.ScanPrefix(StateKeys.UnreviewedEmergencies()).Select(kv => EmergencyRef.Parser.ParseFrom(kv.Value).EmergencyId).ToList();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trustee released its shares for emergency {EmergencyId} in transaction {TxId} ({Outcome})")]
    private partial void LogReleased(string emergencyId, Core.Crypto.Hash txId, SubmitResult outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The release for emergency {EmergencyId} was refused at admission: {Reason}")]
    private partial void LogRefused(string emergencyId, string reason);
}
