using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;
using EhrChain.Core.Chain;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>
/// <c>ehrchain tx emergency open|close|review</c>: break-glass access. The trustees' releases
/// need no command: each validator node holding its organisation's emergency key releases for
/// every emergency it sees opened.
/// </summary>
internal static class EmergencyTxCommand
{
    public static Command Create(SessionCommands session) =>
        new("emergency", "Break-glass emergency access: a doctor opens it with a reason, the trustees release the keys, an auditor reviews it.")
        {
            Open(session), Close(session), Review(session),
        };


    private static Command Open(SessionCommands session)
    {
        var record = new Option<string>("--record") { Description = "The record to open (alias or id).", Required = true };
        var reason = new Option<string>("--reason") { Description = "Why (1-500 characters, stored in clear on the chain: say why, not what is wrong with the patient).", Required = true };
        var duration = new Option<TimeSpan?>("--for") { Description = "How long, e.g. 2h (default: the network's, 4 h; at most its maximum, 24 h).", CustomParser = r => Durations.Parse(r) };
        var wait = TxCommand.WaitOption();
        var command = new Command("open", "Open emergency access to a record (doctors): readable once k trustees released its keys, until it ends.") { record, reason, duration, wait };
        session.AddTo(command);
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = LocalHome.Current().Aliases().Resolve(parse.GetRequiredValue(record));
            var tx = s.Client.OpenEmergency(recordId, parse.GetRequiredValue(reason), parse.GetValue(duration));
            var id = "em-" + TransactionIds.OfPayload(tx.Payload.Span).ToString()[..20];
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Open emergency {id} on {LocalHome.Current().Aliases().Describe(recordId)}", ct,
                new JsonObject { ["emergencyId"] = id }).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command Close(SessionCommands session)
    {
        var emergency = new Option<string>("--emergency") { Description = "The emergency id (em-...).", Required = true };
        var wait = TxCommand.WaitOption();
        var command = new Command("close", "End an emergency early (its doctor or the record's owner). The owner's close rotates the record key when the doctor may hold it.") { emergency, wait };
        session.AddTo(command);
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var id = parse.GetRequiredValue(emergency);
            var tx = s.Keys.Role == KeyRole.Patient ? await OwnersCloseAsync(s, id, ct).ConfigureAwait(false) : s.Client.CloseEmergency(id);
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Close emergency {id}", ct).ConfigureAwait(false);
        }, ct));
        return command;
    }

    /// <summary>
    /// The owner rotates when the doctor may hold the current key (k released it at the current
    /// epoch); otherwise a plain close. An emergency not on the owner's records goes as a plain
    /// close for the node to judge.
    /// </summary>
    private static async Task<SignedTransaction> OwnersCloseAsync(LedgerSession s, string emergencyId, CancellationToken ct)
    {
        foreach (var record in (await s.RecordsAsync(s.Id, ct).ConfigureAwait(false)).Records)
        {
            var list = await s.EmergenciesAsync(new ListEmergenciesQuery { RecordId = record.Id }, ct).ConfigureAwait(false);
            if (list.Emergencies.FirstOrDefault(v => v.Emergency.Id == emergencyId) is not { } view)
            {
                continue;
            }
            if (view.Emergency.KeyEpoch != record.KeyEpoch || view.Emergency.ReleasedBy.Count < list.Threshold)
            {
                return s.Client.CloseEmergency(emergencyId);
            }
            var keys = await s.RecordKeysAsync(record.Id, ct).ConfigureAwait(false);
            var remaining = await s.RemainingGranteesAsync(record.Id, leaving: "", ct).ConfigureAwait(false);
            return s.Client.CloseEmergencyAndRotate(keys, emergencyId, remaining).Transaction;
        }
        return s.Client.CloseEmergency(emergencyId);
    }

    private static Command Review(SessionCommands session)
    {
        var emergency = new Option<string>("--emergency") { Description = "The emergency id (em-...).", Required = true };
        var outcome = new Option<string>("--outcome") { Description = "justified or escalated.", Required = true };
        var note = new Option<string>("--note") { Description = "The reviewer's note (1-500 characters, in clear on the chain).", Required = true };
        var wait = TxCommand.WaitOption();
        var command = new Command("review", "Review an emergency as justified or escalated (auditors); an open one is closed by it.") { emergency, outcome, note, wait };
        session.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var verdict = parse.GetRequiredValue(outcome).ToLowerInvariant() switch
            {
                "justified" => EmergencyOutcome.Justified,
                "escalated" => EmergencyOutcome.Escalated,
                var other => throw new CliException($"--outcome '{other}': use justified or escalated.") { ExitCode = ExitCodes.Usage },
            };
            return session.RunAsync(parse, async (s, cli) =>
            {
                var id = parse.GetRequiredValue(emergency);
                var tx = s.Client.ReviewEmergency(id, verdict, parse.GetRequiredValue(note));
                return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Review emergency {id} as {verdict.ToString().ToLowerInvariant()}", ct).ConfigureAwait(false);
            }, ct);
        });
        return command;
    }
}
