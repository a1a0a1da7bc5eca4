using System.Text;
using EhrChain.Client;
using EhrChain.Core.Wire;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>Entries that read like what they are: Entries.Allergy("penicillin").</summary>
internal static class Entries
{
    public static PlainEntry Allergy(string text) => Of(EntryKind.Allergy, text);
    public static PlainEntry Diagnosis(string text) => Of(EntryKind.Diagnosis, text);
    public static PlainEntry Medication(string text) => Of(EntryKind.Medication, text);
    public static PlainEntry Note(string text) => Of(EntryKind.Note, text);
    public static PlainEntry LabResult(string text) => Of(EntryKind.LabResult, text);
    public static PlainEntry Prescription(string text) => Of(EntryKind.Prescription, text);

    public static PlainEntry Of(EntryKind kind, string text) => new(kind, Encoding.UTF8.GetBytes(text));

    public static string Text(DecryptedEntry entry) => entry.Content is null ? "<unreadable>" : Encoding.UTF8.GetString(entry.Content);
}
