using System.CommandLine;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Grpc.Core;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>
/// <c>ehrchain tx ...</c>: every transaction of the contract, signed by the --as participant. Ids
/// may be given as local aliases. A write is always submitted: when the node will not hand over
/// the keys the write needs, a write it can only refuse is sent instead (<see cref="WriteProbes"/>),
/// so what is reported is the node's verdict on the write.
/// </summary>
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
            PrescriptionCommands.Create(session),
            EmergencyTxCommand.Create(session),
        };
    }

    internal static Option<bool> WaitOption() => new("--wait") { Description = "Wait until the transaction is in a block; a refusal is then an error." };

    private static Command WithSession(Command command, SessionCommands session)
    {
        session.AddTo(command);
        return command;
    }

    internal static string Resolve(string aliasOrId) => LocalHome.Current().Aliases().Resolve(aliasOrId);

    internal static bool IsRefusal(RpcException e) => e.StatusCode is not (StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Cancelled);

    private static Command ParticipantAdd(SessionCommands session)
    {
        var keys = new Option<string>("--keys") { Description = "The new participant's key file, or its alias in $EHRCHAIN_HOME/keys (only its public keys are read).", Required = true };
        var profile = new ProfileOptions(nameRequired: true);
        var wait = WaitOption();
        var command = new Command("add", "Enrol a participant (Admin only); id and role come from their key file, the profile is sealed to them and to you.") { keys, wait };
        profile.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var home = LocalHome.Current();
            var identity = PublicIdentity.Load(KeyFileLocator.Find(parse.GetRequiredValue(keys), home));
            var role = identity.Role switch
            {
                KeyRole.Patient => ParticipantRole.Patient,
                KeyRole.Doctor => ParticipantRole.Doctor,
                KeyRole.Laboratory => ParticipantRole.Laboratory,
                KeyRole.Admin => ParticipantRole.Admin,
                KeyRole.Auditor => ParticipantRole.Auditor,
                KeyRole.Pharmacist => ParticipantRole.Pharmacist,
                _ => throw new CliException($"'{identity.Id}' has a {identity.Role} key file; enrol patients, doctors, laboratories, pharmacists, admins or auditors.") { ExitCode = ExitCodes.Usage },
            };
            // Checked before connecting: the node only ever sees the profile sealed.
            var clear = profile.Build(parse, role);
            return session.RunAsync(parse, async (s, cli) =>
            {
                var tx = s.Client.AddParticipant(identity.Id, role, clear, identity.SigningKey, identity.EncryptionKey);
                return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Enrol {identity.Role.ToString().ToLowerInvariant()} {home.Aliases().Describe(identity.Id)}", ct).ConfigureAwait(false);
            }, ct);
        });
        return WithSession(command, session);
    }

    private static Command ParticipantUpdate(SessionCommands session)
    {
        var id = new Option<string>("--id") { Description = "Whom to update, alias or id (yourself, or anyone for an Admin).", Required = true };
        var suspend = new Option<bool>("--suspend") { Description = "Suspend the participant (Admin only)." };
        var reactivate = new Option<bool>("--reactivate") { Description = "Reactivate a suspended participant (Admin only)." };
        var shareWith = new Option<string[]>("--share-with") { Description = "Also seal the profile to this participant (alias or id), repeatable." };
        var unshare = new Option<string[]>("--unshare") { Description = "Stop sealing the profile to this participant, repeatable (they may have kept what they read before)." };
        var profile = new ProfileOptions(nameRequired: false);
        var wait = WaitOption();
        var command = new Command("update", "Change or share a profile, or suspend / reactivate a participant.") { id, suspend, reactivate, shareWith, unshare, wait };
        profile.AddTo(command);
        command.SetAction((parse, ct) =>
        {
            var changesStatus = parse.GetValue(suspend) || parse.GetValue(reactivate);
            var sharing = (parse.GetValue(shareWith) ?? []).Select(Resolve).ToList();
            var unsharing = (parse.GetValue(unshare) ?? []).Select(Resolve).ToList();
            var changesProfile = profile.AnyGiven(parse) || sharing.Count > 0 || unsharing.Count > 0;
            if (parse.GetValue(suspend) && parse.GetValue(reactivate))
            {
                throw new CliException("--suspend and --reactivate contradict each other.") { ExitCode = ExitCodes.Usage };
            }
            if (!changesStatus && !changesProfile)
            {
                throw new CliException("nothing to change: give --name, a role detail, --share-with, --unshare, --suspend or --reactivate.") { ExitCode = ExitCodes.Usage };
            }
            if (changesStatus && changesProfile)
            {
                throw new CliException("--suspend / --reactivate change the status only; change the profile in a separate update.") { ExitCode = ExitCodes.Usage };
            }
            return session.RunAsync(parse, async (s, cli) =>
            {
                var who = Resolve(parse.GetRequiredValue(id));
                var tx = changesStatus
                    ? s.Client.SetStatus(who, parse.GetValue(suspend) ? ParticipantStatus.Suspended : ParticipantStatus.Active)
                    : await ProfileUpdateAsync(s, who, parse, profile, sharing, unsharing, ct).ConfigureAwait(false);
                return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Update {LocalHome.Current().Aliases().Describe(who)}", ct).ConfigureAwait(false);
            }, ct);
        });
        return WithSession(command, session);
    }

    /// <summary>
    /// A new version of the profile under a fresh key, sealed to the participant, every current
    /// reader (less --unshare) and every --share-with reader: the one transaction for changing,
    /// sharing and withdrawing a profile.
    /// </summary>
    private static async Task<SignedTransaction> ProfileUpdateAsync(
        LedgerSession s, string who, ParseResult parse, ProfileOptions options, List<string> sharing, List<string> unsharing, CancellationToken ct)
    {
        var current = await s.ParticipantAsync(who, ct).ConfigureAwait(false);
        if (unsharing.Contains(who))
        {
            throw new CliException("a profile is always sealed to its participant; --unshare cannot remove them.") { ExitCode = ExitCodes.Usage };
        }
        var hasProfile = current.SealedProfile is not null;
        var clear = hasProfile ? s.Client.OpenProfile(current) : new Profile();
        var version = (current.SealedProfile?.Version ?? 0) + 1;
        if (clear is null)
        {
            if (who == s.Id || s.Keys.Role == KeyRole.Admin)
            {
                throw new CliException($"the profile of {who} is not sealed to you, so you cannot change it without losing what it holds.");
            }
            // Not the participant nor an Admin: the node refuses whatever is sent; let it say so.
            return s.Client.UpdateProfile(who, version, options.Merge(parse, current.Role, null), [new KeyHolder(who, EncryptionPublicKey.FromBytes(current.EncryptionPublicKey.Span))]);
        }
        var updated = options.Merge(parse, current.Role, clear);
        var readerIds = (current.SealedProfile?.Readers.Select(r => r.ReaderId) ?? [])
            .Prepend(who)
            .Concat(sharing)
            .Where(r => !unsharing.Contains(r))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var unchangedReaders = hasProfile && readerIds.ToHashSet().SetEquals(current.SealedProfile!.Readers.Select(r => r.ReaderId).Append(who));
        if (hasProfile && updated.Equals(clear) && unchangedReaders)
        {
            throw new CliException("nothing to change: the profile already holds these values and these readers.") { ExitCode = ExitCodes.Usage };
        }
        var readers = new List<KeyHolder>();
        foreach (var readerId in readerIds)
        {
            readers.Add(await s.KeyHolderAsync(readerId, ct).ConfigureAwait(false));
        }
        return s.Client.UpdateProfile(who, version, updated, readers);
    }

    private static Command RecordCreate(SessionCommands session)
    {
        var id = new Option<string?>("--id") { Description = "Use this exact record id instead of a generated opaque one (r- and 20 hex digits)." };
        var alias = new Option<string?>("--alias") { Description = "Your local name for the new record, e.g. ada-main." };
        var entries = new Option<string[]>("--entry") { Description = EntryArguments.Help };
        var wait = WaitOption();
        var command = new Command("create", "Create your medical record (patients only), optionally with first entries.") { id, alias, entries, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = parse.GetValue(id) ?? OpaqueIds.Record();
            var name = parse.GetValue(alias);
            var aliases = LocalHome.Current().Aliases();
            if (name is not null && aliases.Entries.TryGetValue(name, out var taken) && taken != recordId)
            {
                throw new CliException($"the alias '{name}' already names {taken}.") { ExitCode = ExitCodes.Usage };
            }
            var created = s.Client.CreateMedicalRecord(recordId, EntryArguments.Parse(parse.GetValue(entries) ?? []));
            var code = await Submission.SubmitAsync(s, cli, created.Transaction, parse.GetValue(wait), $"Create record {(name is null ? recordId : $"{name} ({recordId})")}", ct).ConfigureAwait(false);
            if (name is not null)
            {
                aliases.Set(name, recordId);
            }
            return code;
        }, ct));
        return WithSession(command, session);
    }

    private static Command RecordAppend(SessionCommands session)
    {
        var record = new Option<string>("--record") { Description = "The record to append to (alias or id).", Required = true };
        var entries = new Option<string[]>("--entry") { Description = EntryArguments.Help, Required = true };
        var wait = WaitOption();
        var command = new Command("append", "Append entries to a record (owner, granted doctor, or granted lab for lab results).") { record, entries, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = Resolve(parse.GetRequiredValue(record));
            var plain = EntryArguments.Parse(parse.GetValue(entries) ?? []);
            var keys = await KeysOrNullAsync(s, recordId, ct).ConfigureAwait(false);
            var tx = keys is null ? WriteProbes.Append(s.Client, recordId, plain) : s.Client.AppendEntries(keys, plain);
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait) || keys is null, $"Append to {LocalHome.Current().Aliases().Describe(recordId)}", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command Grant(SessionCommands session, bool lab)
    {
        var record = new Option<string>("--record") { Description = "Your record (alias or id).", Required = true };
        var grantee = new Option<string>(lab ? "--lab" : "--doctor") { Description = lab ? "The laboratory to grant (alias or id)." : "The doctor to grant (alias or id).", Required = true };
        var permission = new Option<string>("--permission") { Description = "read or read-write (default read-write).", DefaultValueFactory = _ => "read-write" };
        var expires = new Option<DateTimeOffset?>("--expires") { Description = "When the grant ends, e.g. 2026-12-31T00:00Z." };
        var duration = new Option<TimeSpan?>("--for") { Description = "How long the grant lasts, e.g. 30d.", CustomParser = r => Durations.Parse(r) };
        var keepProfile = new Option<bool>("--keep-profile") { Description = "Do not share your profile (your name) with the grantee." };
        var wait = WaitOption();
        var command = new Command(lab ? "grant-lab" : "grant", (lab ? "Let a laboratory add lab results to your record" : "Let a doctor read (and write) your record") + "; your profile key goes with the grant unless --keep-profile.")
        {
            record, grantee, expires, duration, keepProfile, wait,
        };
        if (!lab)
        {
            command.Options.Add(permission);
        }
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = Resolve(parse.GetRequiredValue(record));
            var granteeId = Resolve(parse.GetRequiredValue(grantee));
            var until = parse.GetValue(expires) ?? (parse.GetValue(duration) is { } d ? DateTimeOffset.UtcNow + d : null);
            var access = lab ? Permission.ReadWrite : ParsePermission(parse.GetRequiredValue(permission));
            var keys = await KeysOrNullAsync(s, recordId, ct).ConfigureAwait(false);
            SignedTransaction tx;
            if (keys is null)
            {
                tx = WriteProbes.Grant(s.Client, recordId, granteeId, lab, access, until);
            }
            else
            {
                var holder = await s.KeyHolderAsync(granteeId, ct).ConfigureAwait(false);
                var profileKey = parse.GetValue(keepProfile) ? null : s.Client.OpenProfileKey(await s.ParticipantAsync(s.Id, ct).ConfigureAwait(false));
                tx = lab ? s.Client.GrantAccessToLab(keys, holder, until, profileKey) : s.Client.GrantAccess(keys, holder, access, until, profileKey);
            }
            var aliases = LocalHome.Current().Aliases();
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait) || keys is null, $"Grant {aliases.Describe(granteeId)} on {aliases.Describe(recordId)}", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    private static Command Revoke(SessionCommands session, bool lab)
    {
        var record = new Option<string>("--record") { Description = "Your record (alias or id).", Required = true };
        var grantee = new Option<string>(lab ? "--lab" : "--doctor") { Description = lab ? "The laboratory to revoke (alias or id)." : "The doctor to revoke (alias or id).", Required = true };
        var wait = WaitOption();
        var command = new Command(lab ? "revoke-lab" : "revoke", "End a grant; the record's key is rotated so nothing written afterwards is readable by them, and your profile key is no longer handed to them.") { record, grantee, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = Resolve(parse.GetRequiredValue(record));
            var granteeId = Resolve(parse.GetRequiredValue(grantee));
            var keys = await KeysOrNullAsync(s, recordId, ct).ConfigureAwait(false);
            SignedTransaction tx;
            if (keys is null)
            {
                tx = WriteProbes.Revoke(s.Client, recordId, granteeId, lab);
            }
            else
            {
                var remaining = await s.RemainingGranteesAsync(recordId, granteeId, ct).ConfigureAwait(false);
                tx = (lab ? s.Client.RevokeAccessFromLab(keys, granteeId, remaining) : s.Client.RevokeAccess(keys, granteeId, remaining)).Transaction;
            }
            var aliases = LocalHome.Current().Aliases();
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait) || keys is null, $"Revoke {aliases.Describe(granteeId)} on {aliases.Describe(recordId)}", ct).ConfigureAwait(false);
        }, ct));
        return WithSession(command, session);
    }

    /// <summary>The record's keys this signer holds, or null when the node refuses to hand them over (the write then goes as a probe).</summary>
    private static async Task<RecordKeyRing?> KeysOrNullAsync(LedgerSession s, string recordId, CancellationToken ct)
    {
        try
        {
            var keys = await s.RecordKeysAsync(recordId, ct).ConfigureAwait(false);
            return keys.HasKey(keys.CurrentEpoch) ? keys : null;
        }
        catch (RpcException e) when (IsRefusal(e))
        {
            return null;
        }
    }

    private static Permission ParsePermission(string text) => text.ToLowerInvariant() switch
    {
        "read" => Permission.Read,
        "read-write" or "readwrite" or "write" => Permission.ReadWrite,
        _ => throw new CliException($"--permission '{text}': use read or read-write.") { ExitCode = ExitCodes.Usage },
    };
}
