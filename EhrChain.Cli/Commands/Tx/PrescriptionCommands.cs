using System.CommandLine;
using System.Security.Cryptography;
using EhrChain.Cli.Local;
using EhrChain.Client.Session;
using EhrChain.Core.Wire;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>
/// <c>ehrchain tx prescription share|dispense</c>: the owner (or the prescribing doctor) shares one
/// prescription entry with one pharmacist, who records its dispensing once. A doctor writes the
/// prescription itself with <c>tx record append --entry prescription=...</c>.
/// </summary>
internal static class PrescriptionCommands
{
    public static Command Create(SessionCommands session) =>
        new("prescription", "Share a prescription with a pharmacist, or record its dispensing.") { Share(session), Dispense(session) };

    private static Option<string> RecordOption() => new("--record") { Description = "The record holding the prescription (alias or id).", Required = true };

    private static Option<uint> EntryOption() => new("--entry") { Description = "The prescription's entry number (the # column of `query record`).", Required = true };

    private static Command Share(SessionCommands session)
    {
        var record = RecordOption();
        var entry = EntryOption();
        var pharmacist = new Option<string>("--pharmacist") { Description = "The pharmacist (alias or id); only it can read the copy.", Required = true };
        var wait = TxCommand.WaitOption();
        var command = new Command("share", "Send one prescription, encrypted to one pharmacist alone (record owner, or the doctor who wrote it).") { record, entry, pharmacist, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = TxCommand.Resolve(parse.GetRequiredValue(record));
            var index = parse.GetValue(entry);
            var pharmacistId = TxCommand.Resolve(parse.GetRequiredValue(pharmacist));
            var holder = await s.KeyHolderAsync(pharmacistId, ct).ConfigureAwait(false);
            var (tx, probe) = await ShareTransactionAsync(s, recordId, index, holder, ct).ConfigureAwait(false);
            var aliases = LocalHome.Current().Aliases();
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait) || probe, $"Share prescription {index} of {aliases.Describe(recordId)} with {aliases.Describe(pharmacistId)}", ct).ConfigureAwait(false);
        }, ct));
        session.AddTo(command);
        return command;
    }

    /// <summary>
    /// The share, built from the prescription decrypted here. When the node will not hand the
    /// record over, or the entry cannot be read, a share no node can accept (no sealed key) is sent
    /// instead, so that the user hears the node's verdict on the share itself.
    /// </summary>
    private static async Task<(SignedTransaction Tx, bool Probe)> ShareTransactionAsync(
        LedgerSession s, string recordId, uint index, EhrChain.Client.KeyHolder pharmacist, CancellationToken ct)
    {
        try
        {
            var view = await s.RecordAsync(recordId, ct).ConfigureAwait(false);
            if (view.Entries.FirstOrDefault(e => e.Index == index) is { Kind: EntryKind.Prescription } prescription && view.ReaderKeys.Count > 0)
            {
                return (s.Client.SharePrescription(s.Client.OpenKeys(view), prescription, pharmacist), false);
            }
        }
        catch (RpcException e) when (TxCommand.IsRefusal(e))
        {
            // Refused to read: the share goes as a probe below.
        }
        catch (CryptographicException)
        {
            // A prescription this signer cannot decrypt: likewise.
        }
        var probe = s.Client.Sign(p => p.SharePrescription = new SharePrescription
        {
            RecordId = recordId,
            EntryIndex = index,
            PharmacistId = pharmacist.Id,
            Ciphertext = ByteString.CopyFrom(RandomNumberGenerator.GetBytes(64)),
        });
        return (probe, true);
    }

    private static Command Dispense(SessionCommands session)
    {
        var record = RecordOption();
        var entry = EntryOption();
        var wait = TxCommand.WaitOption();
        var command = new Command("dispense", "Record that you dispensed a prescription shared with you (pharmacists; once per prescription).") { record, entry, wait };
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var recordId = TxCommand.Resolve(parse.GetRequiredValue(record));
            var index = parse.GetValue(entry);
            var tx = s.Client.DispensePrescription(recordId, index);
            return await Submission.SubmitAsync(s, cli, tx, parse.GetValue(wait), $"Dispense prescription {index} of {LocalHome.Current().Aliases().Describe(recordId)}", ct).ConfigureAwait(false);
        }, ct));
        session.AddTo(command);
        return command;
    }
}
