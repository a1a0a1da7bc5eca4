using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Client;
using EhrChain.Cli.Commands.Tx;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Cli.Commands.Query;

/// <summary><c>ehrchain query ...</c>: signed reads as the --as participant (decrypting what they may read), receipts and blocks.</summary>
internal static class QueryCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    /// <summary>Where `cluster up` writes the network's genesis file.</summary>
    private const string DefaultGenesis = ".cluster/genesis.json";

    public static Command Create(GlobalOptions global)
    {
        var session = new SessionCommands(global);
        return new Command("query", "Read participants, records, history, grants, patients, prescriptions, receipts and blocks.")
        {
            Participant(session),
            Record(session),
            Records(session),
            History(session),
            Grants(session),
            AccessLogCommand(session),
            Patients(session),
            PrescriptionQuery.Create(session),
            EmergencyQueryCommand.Create(session),
            Transaction(session),
            Block(session),
        };
    }

    private static Command Signed(SessionCommands session, Command command)
    {
        session.AddTo(command);
        return command;
    }

    private static JsonNode ToJson(IMessage message) => JsonNode.Parse(Json.Format(message))!;

    internal static string Time(long unixMs) => unixMs == 0 ? "-" : DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Resolve(string aliasOrId) => LocalHome.Current().Aliases().Resolve(aliasOrId);

    private static string Describe(string id) => LocalHome.Current().Aliases().Describe(id);

    private static Command Participant(SessionCommands session)
    {
        var id = new Argument<string>("id") { Description = "The participant (alias or id)." };
        var command = new Command("participant", "A participant's public keys and status, and their profile decrypted when it is shared with you.") { id };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var p = await s.ParticipantAsync(Resolve(parse.GetRequiredValue(id)), ct).ConfigureAwait(false);
            var profile = s.Client.OpenProfile(p);
            var json = ToJson(p);
            json["profile"] = profile is null ? null : ToJson(profile);
            cli.Result(json, text =>
            {
                text.Say($"{Describe(p.Id)}: {profile?.Name ?? "(sealed)"} ({Roles.Name(p.Role)}, {p.Status.ToString().ToLowerInvariant()})");
                if (profile?.Doctor is { } d)
                {
                    text.Say($"  licence {d.LicenceNumber}, {d.Specialty}, {d.Organisation}");
                }
                if (profile?.Laboratory is { } l)
                {
                    text.Say($"  {l.Organisation}, accreditation {l.Accreditation}");
                }
                if (profile?.Pharmacist is { } ph)
                {
                    text.Say($"  {ph.Organisation}, registration {ph.RegistrationNumber}");
                }
                if (p.SealedProfile is { } sealedProfile && (p.Id == s.Id || s.Keys.Role == Core.Keys.KeyRole.Admin))
                {
                    text.Say($"  profile version {sealedProfile.Version}, sealed to {string.Join(", ", sealedProfile.Readers.Select(r => Describe(r.ReaderId)))}");
                }
            });
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static Command Record(SessionCommands session)
    {
        var id = new Argument<string>("record") { Description = "The record (alias or id)." };
        var command = new Command("record", "A record with its entries, decrypted where you hold the key.") { id };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var view = await s.RecordAsync(Resolve(parse.GetRequiredValue(id)), ct).ConfigureAwait(false);
            // A break-glass doctor holds no sealed key: the keys are the trustees' released shares, combined here.
            var keys = view.ReaderKeys.Count != 0 ? s.Client.OpenKeys(view) : await s.EmergencyKeysAsync(view.Record.Id, ct).ConfigureAwait(false);
            var entries = keys is null ? [] : view.Entries.Select(e => EhrChain.Client.EhrClient.Decrypt(keys, e)).ToList();
            var json = ToJson(view.Record);
            json["entries"] = new JsonArray(entries.Select(e => (JsonNode)new JsonObject
            {
                ["index"] = e.Entry.Index,
                ["kind"] = EntryArguments.NameOf(e.Entry.Kind),
                ["author"] = e.Entry.AuthorId,
                ["time"] = Time(e.Entry.TimeUnixMs),
                ["epoch"] = e.Entry.KeyEpoch,
                ["content"] = e.IsReadable ? System.Text.Encoding.UTF8.GetString(e.Content!) : null,
                ["problem"] = e.Problem,
            }).ToArray());
            cli.Result(json, text =>
            {
                var r = view.Record;
                text.Say($"Record {Describe(r.Id)} of {Describe(r.OwnerId)}, created {Time(r.CreatedUnixMs)}, key epoch {r.KeyEpoch}, {r.EntryCount} entries");
                if (keys is null)
                {
                    text.Say("  (metadata only: you hold no key to this record's entries)");
                    return;
                }
                if (view.ReaderKeys.Count == 0)
                {
                    text.Say("  (break-glass: read with the keys the emergency trustees released to you; every step is in the record's history)");
                }
                text.Table(["#", "kind", "author", "time", "epoch", "content"], entries.Select(e => new[]
                {
                    e.Entry.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    EntryArguments.NameOf(e.Entry.Kind),
                    Describe(e.Entry.AuthorId),
                    Time(e.Entry.TimeUnixMs),
                    e.Entry.KeyEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    e.IsReadable ? System.Text.Encoding.UTF8.GetString(e.Content!) : $"[not readable: {e.Problem}]",
                }));
            });
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static Command Records(SessionCommands session)
    {
        var patient = new Option<string?>("--patient") { Description = "Whose records, alias or id (default: yourself)." };
        var command = new Command("records", "The records of a patient.") { patient };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var list = await s.RecordsAsync(parse.GetValue(patient) is { } who ? Resolve(who) : s.Id, ct).ConfigureAwait(false);
            cli.Table(["record", "owner", "created", "entries", "epoch"], list.Records.Select(r => new[]
            {
                Describe(r.Id), Describe(r.OwnerId), Time(r.CreatedUnixMs), r.EntryCount.ToString(System.Globalization.CultureInfo.InvariantCulture), r.KeyEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static Command History(SessionCommands session)
    {
        var id = new Argument<string>("record") { Description = "The record (alias or id)." };
        var command = new Command("history", "Every change to a record: who, when, which block.") { id };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var history = await s.HistoryAsync(Resolve(parse.GetRequiredValue(id)), ct).ConfigureAwait(false);
            cli.Table(["height", "time", "change", "by", "detail", "tx"], history.Changes.Select(c => new[]
            {
                c.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Time(c.TimeUnixMs),
                c.Kind.ToString(),
                Describe(c.AuthorId),
                Detail(c),
                Convert.ToHexStringLower(c.TxId.Span)[..Math.Min(16, c.TxId.Length * 2)],
            }));
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static string Detail(Change change) =>
        change.Kind switch
        {
            ChangeKind.EntriesAppended => string.Join(", ", change.EntryKinds.Select(EntryArguments.NameOf)),
            ChangeKind.AccessGranted or ChangeKind.AccessRevoked => $"{Describe(change.GranteeId)} (epoch {change.KeyEpoch})",
            ChangeKind.PrescriptionShared or ChangeKind.PrescriptionDispensed => $"entry {string.Join(", ", change.EntryIndices)}, {Describe(change.GranteeId)}",
            ChangeKind.EmergencyOpened => $"{change.EmergencyId} (epoch {change.KeyEpoch})",
            ChangeKind.EmergencyReleased => $"{change.EmergencyId}: shares to {Describe(change.GranteeId)}",
            ChangeKind.EmergencyClosed when change.EmergencyOutcome != EmergencyOutcome.Unspecified => $"{change.EmergencyId} reviewed: {change.EmergencyOutcome.ToString().ToLowerInvariant()}",
            ChangeKind.EmergencyClosed => $"{change.EmergencyId} closed (epoch {change.KeyEpoch})",
            _ => "",
        };

    private static Command AccessLogCommand(SessionCommands session)
    {
        var id = new Argument<string>("record") { Description = "The record (alias or id)." };
        var fhir = new Option<bool>("--fhir") { Description = "Print the log as a FHIR R4 Bundle of AuditEvents (IHE BALP read pattern)." };
        var command = new Command("access-log", "Who read a record's content, when, from which node, and under which grant (the owner sees every read; anyone else their own).") { id, fhir };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = Resolve(parse.GetRequiredValue(id));
            var log = await s.AccessLogAsync(recordId, ct).ConfigureAwait(false);
            if (parse.GetValue(fhir))
            {
                // The owner from the history (the record's creator), not from GetRecord: reading the
                // record to export its log would itself be a read of its content, and logged.
                var history = await s.HistoryAsync(recordId, ct).ConfigureAwait(false);
                var owner = history.Changes.FirstOrDefault(c => c.Kind == ChangeKind.RecordCreated)?.AuthorId ?? "";
                var json = Fhir.FhirJson.ToText(Fhir.AuditEventMapping.ToBundle(recordId, owner, log), pretty: true);
                cli.Result(JsonNode.Parse(json)!, text => text.Say(json));
                return ExitCodes.Success;
            }
            cli.Table(["when", "reader", "node", "basis", "read", "height"], log.Records.Select(r => new[]
            {
                Time(r.Entry.ReadUnixMs),
                Describe(r.Entry.ReaderId),
                r.Entry.NodeId,
                Basis(r.Entry),
                r.Entry.Kind switch { AccessKind.GetRecord => "record", AccessKind.ChainRead => "chain", AccessKind.SharedPrescription => $"prescription #{r.Entry.EntryIndex}", _ => "?" },
                r.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static string Basis(AccessLogEntry entry) => entry.Basis switch
    {
        AccessBasis.Owner => "owner",
        AccessBasis.Grant => $"grant of {Time(entry.Grant?.GrantedUnixMs ?? 0)} (epoch {entry.Grant?.GrantedAtEpoch ?? 0})",
        AccessBasis.Emergency => $"emergency {entry.EmergencyId}",
        AccessBasis.PrescriptionShare => "a prescription shared with it",
        _ => "?",
    };

    private static Command Grants(SessionCommands session)
    {
        var id = new Argument<string>("record") { Description = "The record (alias or id)." };
        var command = new Command("grants", "Who has been granted access to a record.") { id };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var grants = await s.GrantsAsync(Resolve(parse.GetRequiredValue(id)), ct).ConfigureAwait(false);
            cli.Table(["grantee", "role", "permission", "granted", "expires", "revoked"], grants.Grants.Select(g => new[]
            {
                Describe(g.GranteeId), Roles.Name(g.GranteeRole), g.Permission.ToString(), Time(g.GrantedUnixMs), Time(g.ExpiresUnixMs), Time(g.RevokedUnixMs),
            }));
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static Command Patients(SessionCommands session)
    {
        var provider = new Option<string?>("--provider") { Description = "Whose patients, alias or id (default: yourself)." };
        var command = new Command("patients", "A doctor's or laboratory's patients, with the names the patients shared with you.") { provider };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var list = await s.PatientsAsync(parse.GetValue(provider) is { } who ? Resolve(who) : s.Id, ct).ConfigureAwait(false);
            var rows = new List<string[]>();
            foreach (var p in list.Patients)
            {
                var name = s.Client.OpenProfile(await s.ParticipantAsync(p.PatientId, ct).ConfigureAwait(false))?.Name ?? "(sealed)";
                rows.Add([Describe(p.PatientId), name, Time(p.SinceUnixMs)]);
            }
            cli.Table(["patient", "name", "since"], rows);
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    private static Command Transaction(SessionCommands session)
    {
        var id = new Argument<string>("tx-id") { Description = "The transaction id (64 hex digits)." };
        var genesisOption = new Option<FileInfo?>("--genesis") { Description = $"The network's genesis.json, to check the receipt against (default {DefaultGenesis} when present)." };
        var command = new Command("tx", "A transaction's receipt (block, result, commit certificate), checked offline against the genesis file.") { id, genesisOption };
        command.SetAction((parse, ct) =>
        {
            var genesisPath = parse.GetValue(genesisOption)?.FullName
                ?? (File.Exists(DefaultGenesis) ? Path.GetFullPath(DefaultGenesis) : throw new CliException($"No genesis file to check the receipt against: pass --genesis FILE (default {DefaultGenesis})") { ExitCode = ExitCodes.Usage });
            var validators = ValidatorSet.FromGenesis(LoadGenesis(genesisPath));
            return session.RunAsync(parse, async (s, cli) =>
            {
                var receipt = await s.TransactionAsync(parse.GetRequiredValue(id), ct).ConfigureAwait(false);
                var problem = ReceiptVerifier.Check(receipt, validators);
                var json = ToJson(receipt);
                json["verified"] = problem is null;
                json["problem"] = problem;
                cli.Result(json, text => text.Say(
                    $"tx {receipt.TxId}: block {receipt.Height} ({receipt.BlockHash[..Math.Min(8, receipt.BlockHash.Length)]}) position {receipt.Position}, {receipt.Result?.Code}{(receipt.Result?.Reason.Length > 0 ? ": " + receipt.Result.Reason : "")}; certified by {receipt.Certificate?.Commits.Count ?? 0} validators; "
                    + (problem is null ? "verified" : $"NOT VERIFIED: {problem}")));
                return problem is null ? ExitCodes.Success : ExitCodes.BadProof;
            }, ct);
        });
        return Signed(session, command);
    }

    private static GenesisFile LoadGenesis(string path)
    {
        try
        {
            return GenesisFile.Load(path);
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message) { ExitCode = ExitCodes.Usage };
        }
    }

    private static Command Block(SessionCommands session)
    {
        var at = new Argument<string>("block") { Description = "A height, or a block hash." };
        var command = new Command("block", "A block by height or hash: whole for an auditor or a validator, otherwise only the transactions you may see.") { at };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var text = parse.GetRequiredValue(at);
            var response = ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var height)
                ? await s.BlockAsync(height, null, ct).ConfigureAwait(false)
                : await s.BlockAsync(null, text, ct).ConfigureAwait(false);
            var h = response.Block?.Header ?? response.Filtered.Header;
            var certificate = response.Block?.Certificate ?? response.Filtered.Certificate;
            cli.Result(ToJson(response), t =>
            {
                t.Say($"block {h.Height} {response.Hash}");
                t.Say($"  prev {Convert.ToHexStringLower(h.PrevHash.Span)}  time {Time(h.TimeUnixMs)}  proposer {h.Proposer}  view {h.View}");
                if (response.Block is { } block)
                {
                    t.Say($"  {block.Transactions.Count} transactions, {block.Results.Count(r => r.Code == TxResultCode.Ok)} ok; certified by {certificate?.Commits.Count ?? 0} validators");
                    return;
                }
                var filtered = response.Filtered;
                t.Say($"  {filtered.Transactions.Count} of {filtered.TransactionCount} transactions visible to {s.Id}; certified by {certificate?.Commits.Count ?? 0} validators");
                foreach (var tx in filtered.Transactions)
                {
                    t.Say($"  #{tx.Position} {tx.TxId} {tx.Result.Code}{(tx.Result.Reason.Length > 0 ? ": " + tx.Result.Reason : "")}");
                }
            });
            return ExitCodes.Success;
        }, ct));
        return Signed(session, command);
    }

    /// <summary>Reads that need no identity (status).</summary>
    internal static async Task<int> Unsigned(GlobalOptions global, ParseResult parse, Func<Ledger.LedgerClient, CliOutput, Task<int>> action)
    {
        var node = global.Target(parse);
        using var channel = NodeChannels.Open(node);
        try
        {
            return await action(new Ledger.LedgerClient(channel), global.Output(parse)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw CliRpcErrors.Describe(e, node.Address);
        }
    }
}
