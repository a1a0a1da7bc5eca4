using EhrChain.Cli.Output;
using EhrChain.Client;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>Entries as typed on the command line: <c>--entry allergy="Penicillin"</c> or <c>--entry lab-result=@results.json</c>.</summary>
internal static class EntryArguments
{
    public const string Help = "An entry KIND=TEXT or KIND=@FILE, repeatable. Kinds: allergy, consultation, medical-history, dangerous-habit, diagnosis, medication, lab-result, note, prescription (doctors).";

    private static readonly Dictionary<string, EntryKind> Kinds = new(StringComparer.OrdinalIgnoreCase)
    {
        ["allergy"] = EntryKind.Allergy,
        ["consultation"] = EntryKind.Consultation,
        ["medical-history"] = EntryKind.MedicalHistory,
        ["dangerous-habit"] = EntryKind.DangerousHabit,
        ["diagnosis"] = EntryKind.Diagnosis,
        ["medication"] = EntryKind.Medication,
        ["lab-result"] = EntryKind.LabResult,
        ["note"] = EntryKind.Note,
        ["prescription"] = EntryKind.Prescription,
    };

    public static string NameOf(EntryKind kind) => Kinds.FirstOrDefault(k => k.Value == kind).Key ?? kind.ToString();

    public static IReadOnlyList<PlainEntry> Parse(IEnumerable<string> arguments) => arguments.Select(ParseOne).ToList();

    private static PlainEntry ParseOne(string argument)
    {
        var equals = argument.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0)
        {
            throw new CliException($"--entry '{argument}': use KIND=TEXT or KIND=@FILE.");
        }
        var kindName = argument[..equals];
        if (!Kinds.TryGetValue(kindName, out var kind))
        {
            throw new CliException($"--entry: '{kindName}' is not an entry kind; use {string.Join(", ", Kinds.Keys)}.");
        }
        var value = argument[(equals + 1)..];
        var content = value.StartsWith('@') ? ReadFile(value[1..]) : System.Text.Encoding.UTF8.GetBytes(value);
        return new PlainEntry(kind, content);
    }

    private static byte[] ReadFile(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--entry: cannot read '{path}': {e.Message}");
        }
    }
}
