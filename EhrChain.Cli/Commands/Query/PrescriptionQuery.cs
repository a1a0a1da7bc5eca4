using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;

namespace EhrChain.Cli.Commands.Query;

/// <summary><c>ehrchain query prescriptions</c>: a pharmacist's prescriptions, each decrypted from the copy sealed to it.</summary>
internal static class PrescriptionQuery
{
    public static Command Create(SessionCommands session)
    {
        var command = new Command("prescriptions", "The prescriptions shared with you (pharmacists), decrypted, and whether each was dispensed.");
        command.SetAction((parse, ct) => session.RunAsync(parse, async (s, cli) =>
        {
            var list = await s.PrescriptionsAsync(ct).ConfigureAwait(false);
            var aliases = LocalHome.Current().Aliases();
            cli.Table(["record", "#", "prescriber", "prescribed", "shared by", "content", "dispensed"], list.Prescriptions.Select(p => new[]
            {
                aliases.Describe(p.Share.RecordId),
                p.Share.EntryIndex.ToString(CultureInfo.InvariantCulture),
                aliases.Describe(p.Share.PrescriberId),
                QueryCommand.Time(p.Share.PrescribedUnixMs),
                aliases.Describe(p.Share.SharedBy),
                Open(s.Client, p.Share),
                p.Dispensing is null ? "no" : QueryCommand.Time(p.Dispensing.DispensedUnixMs),
            }));
            return ExitCodes.Success;
        }, ct));
        session.AddTo(command);
        return command;
    }

    private static string Open(EhrChain.Client.EhrClient client, Core.Wire.PrescriptionShare share)
    {
        try
        {
            return Encoding.UTF8.GetString(client.OpenPrescription(share));
        }
        catch (CryptographicException e)
        {
            return $"[not readable: {e.Message}]";
        }
    }
}
