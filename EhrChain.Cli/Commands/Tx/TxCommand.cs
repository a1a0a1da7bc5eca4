using System.CommandLine;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary><c>ehrchain tx ...</c>: every transaction of the contract, signed by the --as participant.</summary>
internal static class TxCommand
{
    public static Command Create(GlobalOptions global)
    {
        var session = new SessionCommands(global);
        var participant = new Command("participant", "Enrol or update participants.") { ParticipantAdd(session), ParticipantUpdate(session) };
        var record = new Command("record", "Create medical records and append entries.") { RecordCreate(session), RecordAppend(session) };
        return new Command("tx", "Submit transactions.")
        {
            participant,
            record,
            Grant(session, lab: false),
            Grant(session, lab: true),
            Revoke(session, lab: false),
            Revoke(session, lab: true),
        };
    }

    private static Option<bool> WaitOption() => new("--wait") { Description = "Wait until the transaction is in a block; a refusal is then an error." };

    private static Command WithSession(Command command, SessionCommands session)
    {
        session.AddTo(command);
        return command;
    }

    private static Command ParticipantAdd(SessionCommands session)
    {
        var keys = new Option<FileInfo>("--keys") { Description = "The new participant's key file (only its public keys are read).", Required = true };
        var name = new Option<string>("--name") { Description = "Display name.", Required = true };
        var profile = new ProfileOptions();
        var wait = WaitOption();
        var command = new Command("add", "Enrol a participant (Admin only); id and role come from their key file.") { keys, name, wait };
        profile.AddTo(command);
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var identity = PublicIdentity.Load(parse.GetRequiredValue(keys).FullName);
            var role = identity.Role switch
            {
                KeyRole.Patient => ParticipantRole.Patient,
                KeyRole.Doctor => ParticipantRole.Doctor,
                KeyRole.Laboratory => ParticipantRole.Laboratory,
                KeyRole.Admin => ParticipantRole.Admin,
                KeyRole.Auditor => ParticipantRole.Auditor,
                _ => throw new CliException($"'{identity.Id}' has a {identity.Role} key file; enrol patients, doctors, laboratories, admins or auditors."),
            };
            var tx = s.Client.AddParticipant(identity.Id, role, profile.Build(parse, role, parse.GetRequiredValue(name)), identity.SigningKey, identity.EncryptionKey);
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Enrol {identity.Role.ToString().ToLowerInvariant()} '{identity.Id}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command ParticipantUpdate(SessionCommands session)
    {
        var id = new Option<string>("--id") { Description = "Whom to update (yourself, or anyone for an Admin).", Required = true };
        var name = new Option<string?>("--name") { Description = "New display name." };
        var suspend = new Option<bool>("--suspend") { Description = "Suspend the participant (Admin only)." };
        var reactivate = new Option<bool>("--reactivate") { Description = "Reactivate a suspended participant (Admin only)." };
        var profile = new ProfileOptions();
        var wait = WaitOption();
        var command = new Command("update", "Change a profile, or suspend / reactivate a participant.") { id, name, suspend, reactivate, wait };
        profile.AddTo(command);
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var who = parse.GetRequiredValue(id);
            if (parse.GetValue(suspend) && parse.GetValue(reactivate))
            {
                throw new CliException("--suspend and --reactivate contradict each other.");
            }
            SignedTransaction tx;
            if (parse.GetValue(suspend) || parse.GetValue(reactivate))
            {
                tx = s.Client.SetStatus(who, parse.GetValue(suspend) ? ParticipantStatus.Suspended : ParticipantStatus.Active);
            }
            else
            {
                var current = await s.ParticipantAsync(who, ct).ConfigureAwait(false);
                tx = s.Client.UpdateProfile(who, profile.Merge(parse, current.Role, current.Profile, parse.GetValue(name)));
            }
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Update '{who}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command RecordCreate(SessionCommands session)
    {
        var id = new Option<string>("--id") { Description = "The new record's id.", Required = true };
        var entries = new Option<string[]>("--entry") { Description = EntryArguments.Help };
        var wait = WaitOption();
        var command = new Command("create", "Create your medical record (patients only), optionally with first entries.") { id, entries, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var created = s.Client.CreateMedicalRecord(parse.GetRequiredValue(id), EntryArguments.Parse(parse.GetValue(entries) ?? []));
            return await Submission.SubmitAsync(s, cli, created.Transaction, parse.GetValue(wait), $"Create record '{parse.GetRequiredValue(id)}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command RecordAppend(SessionCommands session)
    {
        var record = new Option<string>("--record") { Description = "The record to append to.", Required = true };
        var entries = new Option<string[]>("--entry") { Description = EntryArguments.Help, Required = true };
        var wait = WaitOption();
        var command = new Command("append", "Append entries to a record (owner, granted doctor, or granted lab for lab results).") { record, entries, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = parse.GetRequiredValue(record);
            var keys = await s.RecordKeysAsync(recordId, ct).ConfigureAwait(false);
            var tx = s.Client.AppendEntries(keys, EntryArguments.Parse(parse.GetValue(entries) ?? []));
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Append to '{recordId}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command Grant(SessionCommands session, bool lab)
    {
        var record = new Option<string>("--record") { Description = "Your record.", Required = true };
        var grantee = new Option<string>(lab ? "--lab" : "--doctor") { Description = lab ? "The laboratory to grant." : "The doctor to grant.", Required = true };
        var permission = new Option<string>("--permission") { Description = "read or read-write (default read-write).", DefaultValueFactory = _ => "read-write" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the grant ends, e.g. 2026-12-31T00:00Z." };
        var duration = new Option<TimeSpan?>("--for") { Description = "How long the grant lasts, e.g. 30d.", CustomParser = r => Durations.Parse(r) };
        var wait = WaitOption();
        var command = new Command(lab ? "grant-lab" : "grant", lab ? "Let a laboratory add lab results to your record." : "Let a doctor read (and write) your record.")
        {
            record, grantee, expires, duration, wait,
        };
        if (!lab)
        {
            command.Options.Add(permission);
        }
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = parse.GetRequiredValue(record);
            var granteeId = parse.GetRequiredValue(grantee);
            var until = parse.GetValue(expires) ?? (parse.GetValue(duration) is { } d ? DateTimeOffset.UtcNow + d : null);
            var keys = await s.RecordKeysAsync(recordId, ct).ConfigureAwait(false);
            var holder = await s.KeyHolderAsync(granteeId, ct).ConfigureAwait(false);
            var tx = lab
                ? s.Client.GrantAccessToLab(keys, holder, until)
                : s.Client.GrantAccess(keys, holder, ParsePermission(parse.GetRequiredValue(permission)), until);
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Grant '{granteeId}' on '{recordId}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command Revoke(SessionCommands session, bool lab)
    {
        var record = new Option<string>("--record") { Description = "Your record.", Required = true };
        var grantee = new Option<string>(lab ? "--lab" : "--doctor") { Description = lab ? "The laboratory to revoke." : "The doctor to revoke.", Required = true };
        var wait = WaitOption();
        var command = new Command(lab ? "revoke-lab" : "revoke", "End a grant; the record's key is rotated so nothing written afterwards is readable by them.") { record, grantee, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = parse.GetRequiredValue(record);
            var granteeId = parse.GetRequiredValue(grantee);
            var keys = await s.RecordKeysAsync(recordId, ct).ConfigureAwait(false);
            var remaining = await s.RemainingGranteesAsync(recordId, granteeId, ct).ConfigureAwait(false);
            var revoked = lab ? s.Client.RevokeAccessFromLab(keys, granteeId, remaining) : s.Client.RevokeAccess(keys, granteeId, remaining);
            return await Submission.SubmitAsync(s, cli, revoked.Transaction, parse.GetValue(wait), $"Revoke '{granteeId}' on '{recordId}'", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Permission ParsePermission(string text) => text.ToLowerInvariant() switch
    {
        "read" => Permission.Read,
        "read-write" or "readwrite" or "write" => Permission.ReadWrite,
        _ => throw new CliException($"--permission '{text}': use read or read-write."),
    };
}
