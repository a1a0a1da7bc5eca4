using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Cli.Commands.Query;

/// <summary>
/// <c>ehrchain query emergencies</c>: break-glass accesses as the --as participant may see them.
/// By default a patient sees those on each of their records, a doctor their own, an auditor the
/// unreviewed ones (overdue flagged).
/// </summary>
internal static class EmergencyQueryCommand
{
    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static Command Create(SessionCommands session)
    {
        var record = new Option<string?>("--record") { Description = "The emergencies of this record (alias or id): its owner or an auditor." };
        var doctor = new Option<string?>("--doctor") { Description = "The emergencies this doctor opened (alias or id): the doctor or an auditor." };
        var unreviewed = new Option<bool>("--unreviewed") { Description = "Every emergency not reviewed yet (auditors)." };
        var command = new Command("emergencies", "Break-glass emergency accesses: yours as a patient or doctor, the unreviewed ones as an auditor.") { record, doctor, unreviewed };
        session.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var given = new[] { parse.GetValue(record) is not null, parse.GetValue(doctor) is not null, parse.GetValue(unreviewed) }.Count(g => g);
            if (given > 1)
            {
                throw new CliException("give one of --record, --doctor and --unreviewed.") { ExitCode = ExitCodes.Usage };
            }
            return session.RunAsync(parse, async (s, cli) =>
            {
                var aliases = LocalHome.Current().Aliases();
                var queries = new List<ListEmergenciesQuery>();
                if (parse.GetValue(record) is { } r)
                {
                    queries.Add(new ListEmergenciesQuery { RecordId = aliases.Resolve(r) });
                }
                else if (parse.GetValue(doctor) is { } d)
                {
                    queries.Add(new ListEmergenciesQuery { DoctorId = aliases.Resolve(d) });
                }
                else if (parse.GetValue(unreviewed) || s.Keys.Role == KeyRole.Auditor)
                {
                    queries.Add(new ListEmergenciesQuery { Unreviewed = true });
                }
                else if (s.Keys.Role == KeyRole.Patient)
                {
                    var records = await s.RecordsAsync(s.Id, ct).ConfigureAwait(false);
                    queries.AddRange(records.Records.Select(rec => new ListEmergenciesQuery { RecordId = rec.Id }));
                }
                else
                {
                    queries.Add(new ListEmergenciesQuery { DoctorId = s.Id });
                }
                var views = new List<EmergencyView>();
                uint threshold = 0;
                foreach (var query in queries)
                {
                    var list = await s.EmergenciesAsync(query, ct).ConfigureAwait(false);
                    threshold = list.Threshold;
                    views.AddRange(list.Emergencies);
                }
                Print(cli, views, threshold, aliases);
                return ExitCodes.Success;
            }, ct);
        });
        return command;
    }

    private static void Print(CliOutput cli, List<EmergencyView> views, uint threshold, AliasBook aliases)
    {
        var json = new JsonObject
        {
            ["threshold"] = threshold,
            ["emergencies"] = new JsonArray(views.Select(v =>
            {
                var node = JsonNode.Parse(Json.Format(v.Emergency))!;
                node["open"] = v.Open;
                node["overdue"] = v.Overdue;
                return node;
            }).ToArray()),
        };
        cli.Result(json, text =>
        {
            if (views.Count == 0)
            {
                text.Say("No emergencies.");
                return;
            }
            text.Table(["emergency", "record", "doctor", "opened", "state", "released", "review", "reason"], views.Select(v =>
            {
                var e = v.Emergency;
                return new[]
                {
                    e.Id,
                    aliases.Describe(e.RecordId),
                    aliases.Describe(e.DoctorId),
                    Time(e.OpenedUnixMs),
                    v.Open ? $"open until {Time(e.ExpiresUnixMs)}" : e.ClosedUnixMs != 0 ? $"closed {Time(e.ClosedUnixMs)}" : $"lapsed {Time(e.ExpiresUnixMs)}",
                    $"{e.ReleasedBy.Count} ({threshold} needed)",
                    e.Outcome != EmergencyOutcome.Unspecified
                        ? $"{e.Outcome.ToString().ToLowerInvariant()} by {aliases.Describe(e.ReviewedBy)}: {e.ReviewNote}"
                        : v.Overdue ? $"OVERDUE (due {Time(e.ReviewDueUnixMs)})" : $"due {Time(e.ReviewDueUnixMs)}",
                    e.Reason,
                };
            }));
        });
    }

    private static string Time(long unixMs) => DateTimeOffset.FromUnixTimeMilliseconds(unixMs).ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
