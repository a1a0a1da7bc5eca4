using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Client;
using EhrChain.Cli.Commands.Tx;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Fhir;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Cli.Commands.Record;

/// <summary>
/// <c>ehrchain record import --fhir FILE --record R</c>: a FHIR R4 Bundle as encrypted entries of
/// the contract's kinds. The whole bundle is checked before the node is contacted (it parses and
/// validates, every resource has a kind, the signer's role may write each, each fits an entry),
/// so a bundle with one bad resource changes nothing. The entries then go in as few transactions
/// as the limits allow, each waited for, so a refusal stops the rest.
/// </summary>
internal static class FhirImportCommand
{
    public static Command Create(SessionCommands session)
    {
        var file = new Option<FileInfo>("--fhir") { Description = "The FHIR R4 Bundle (JSON) to import.", Required = true };
        var record = new Option<string>("--record") { Description = "The record to import into (alias or id).", Required = true };
        var command = new Command("import", "Import a FHIR R4 Bundle (AllergyIntolerance, Condition, MedicationStatement, Observation, Encounter) as encrypted entries.") { file, record };
        session.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var home = LocalHome.Current();
            // Only the role is needed to judge the bundle, and the public part of the key file says it without a passphrase.
            var signer = PublicIdentity.Load(KeyFileLocator.Find(parse.GetRequiredValue(session.As), home));
            var plan = Plan(parse.GetRequiredValue(file), RoleOf(signer.Role));
            return session.RunAsync(parse, (s, cli) => ImportAsync(s, cli, home.Aliases().Resolve(parse.GetRequiredValue(record)), plan, session.Global.Target(parse).Address, ct), ct);
        });
        return command;
    }

    private static FhirImportPlan Plan(FileInfo file, ParticipantRole role)
    {
        string json;
        try
        {
            if (file.Exists && file.Length > ImportLimits.MaxBundleBytes)
            {
                throw new CliException($"--fhir '{file.Name}' is {file.Length} bytes; import takes bundles of at most {ImportLimits.MaxBundleBytes}.");
            }
            json = File.ReadAllText(file.FullName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--fhir: cannot read '{file.Name}': {e.Message}");
        }
        try
        {
            return FhirImportPlan.From(json, file.Name, role);
        }
        catch (FhirInputException e)
        {
            throw new CliException($"{e.Message} Nothing was imported.");
        }
    }

    private static ParticipantRole RoleOf(KeyRole role) => role switch
    {
        KeyRole.Patient => ParticipantRole.Patient,
        KeyRole.Doctor => ParticipantRole.Doctor,
        KeyRole.Laboratory => ParticipantRole.Laboratory,
        KeyRole.Admin => ParticipantRole.Admin,
        KeyRole.Auditor => ParticipantRole.Auditor,
        _ => ParticipantRole.Unspecified,
    };

    private static async Task<int> ImportAsync(LedgerSession s, CliOutput cli, string recordId, FhirImportPlan plan, string node, CancellationToken ct)
    {
        var aliases = LocalHome.Current().Aliases();
        var keys = await KeysOrNullAsync(s, recordId, ct).ConfigureAwait(false);
        if (keys is null)
        {
            // As `tx record append` does: the node's verdict on the write, from a write it can only refuse.
            await s.SubmitAsync(WriteProbes.Append(s.Client, recordId, plan.Transactions[0].Select(r => r.Entry)), wait: true, ct).ConfigureAwait(false);
            throw new CliException("the node accepted a write it should have refused; report this.");
        }
        var committed = new JsonArray();
        for (var i = 0; i < plan.Transactions.Count; i++)
        {
            var batch = plan.Transactions[i];
            SubmitResponse response;
            try
            {
                response = await s.SubmitAsync(s.Client.AppendEntries(keys, batch.Select(r => r.Entry)), wait: true, ct).ConfigureAwait(false);
            }
            catch (RpcException e) when (i > 0)
            {
                // The earlier transactions stay (appends are final): say how far the import got.
                var refusal = CliRpcErrors.Describe(e, node);
                throw new CliException($"{refusal.Message} (transaction {i + 1} of {plan.Transactions.Count}; the {i} before it were committed, {Count(plan, i)} entries)")
                {
                    ExitCode = refusal.ExitCode,
                };
            }
            cli.Say($"Import {i + 1}/{plan.Transactions.Count}: {batch.Count} entries committed in block {response.Receipt.Height}, tx {response.TxId}");
            committed.Add(new JsonObject
            {
                ["txId"] = response.TxId,
                ["height"] = response.Receipt.Height,
                ["entries"] = new JsonArray(batch.Select(r => (JsonNode)new JsonObject { ["resource"] = r.Source, ["kind"] = EntryArguments.NameOf(r.Entry.Kind) }).ToArray()),
            });
        }
        cli.Result(
            new JsonObject { ["record"] = recordId, ["entries"] = plan.EntryCount, ["transactions"] = committed },
            text => text.Say($"Imported {plan.EntryCount} resources into {aliases.Describe(recordId)} in {plan.Transactions.Count} transaction(s)."));
        return ExitCodes.Success;
    }

    private static int Count(FhirImportPlan plan, int transactions) => plan.Transactions.Take(transactions).Sum(t => t.Count);

    private static async Task<RecordKeyRing?> KeysOrNullAsync(LedgerSession s, string recordId, CancellationToken ct)
    {
        try
        {
            var keys = await s.RecordKeysAsync(recordId, ct).ConfigureAwait(false);
            return keys.HasKey(keys.CurrentEpoch) ? keys : null;
        }
        catch (RpcException e) when (e.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled))
        {
            return null;
        }
    }
}
