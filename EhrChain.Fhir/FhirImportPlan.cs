using EhrChain.Client;
using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>One resource of the bundle as it will be stored: where it was, and the entry it becomes.</summary>
public sealed record ImportedResource(string Source, PlainEntry Entry);

/// <summary>
/// A bundle turned into entries and cut into transactions that each fit the limits. Made only when
/// every resource parsed, validated, has a kind and is the signer's to write: a bundle is imported
/// whole or not at all (as far as the node accepts each transaction in turn).
/// </summary>
public sealed class FhirImportPlan
{
    private FhirImportPlan(IReadOnlyList<IReadOnlyList<ImportedResource>> transactions) => Transactions = transactions;

    /// <summary>The entries of each transaction, in bundle order.</summary>
    public IReadOnlyList<IReadOnlyList<ImportedResource>> Transactions { get; }

    public int EntryCount => Transactions.Sum(t => t.Count);

    /// <summary>
    /// Parses <paramref name="json"/> (from <paramref name="source"/>, for messages) as a FHIR R4
    /// Bundle and plans its import by a signer of <paramref name="signerRole"/>. Throws
    /// <see cref="FhirInputException"/> at the first problem, naming the resource.
    /// </summary>
    public static FhirImportPlan From(string json, string source, ParticipantRole signerRole)
    {
        var parsed = FhirJson.Parse(json, source);
        if (parsed is not Model.Bundle bundle)
        {
            throw new FhirInputException($"{source} holds a {parsed.TypeName}, not a Bundle.");
        }
        if (bundle.Entry.Count == 0)
        {
            throw new FhirInputException($"{source}: the Bundle has no entries.");
        }
        var resources = new List<ImportedResource>();
        for (var i = 0; i < bundle.Entry.Count; i++)
        {
            resources.Add(Plan(bundle.Entry[i].Resource, $"Bundle.entry[{i}]", signerRole));
        }
        return new FhirImportPlan(Cut(resources));
    }

    private static ImportedResource Plan(Model.Resource? resource, string position, ParticipantRole signerRole)
    {
        if (resource is null)
        {
            throw new FhirInputException($"{position} holds no resource.");
        }
        var name = $"{position} ({resource.TypeName}{(string.IsNullOrEmpty(resource.Id) ? "" : "/" + resource.Id)})";
        var kind = EntryKinds.KindOf(resource, name);
        if (WriterRoles.Refusal(signerRole, kind) is { } refusal)
        {
            throw new FhirInputException($"{name} would be a {EntryKinds.NameOf(kind)} entry, and {refusal}.");
        }
        var content = FhirJson.ToBytes(resource);
        if (content.Length > ImportLimits.MaxEntryPlaintextBytes)
        {
            throw new FhirInputException($"{name} is {content.Length} bytes serialised; an entry holds at most {ImportLimits.MaxEntryPlaintextBytes}.");
        }
        return new ImportedResource(name, new PlainEntry(kind, content));
    }

    /// <summary>Consecutive runs of resources, each within the entry count and ciphertext budget of one transaction.</summary>
    private static List<IReadOnlyList<ImportedResource>> Cut(IEnumerable<ImportedResource> resources)
    {
        var transactions = new List<IReadOnlyList<ImportedResource>>();
        var current = new List<ImportedResource>();
        var bytes = 0;
        foreach (var resource in resources)
        {
            var size = resource.Entry.Content.Length + Core.Crypto.ContentCipher.Overhead;
            if (current.Count == ImportLimits.MaxEntriesPerTransaction || (current.Count > 0 && bytes + size > ImportLimits.MaxTransactionCiphertextBytes))
            {
                transactions.Add(current);
                current = [];
                bytes = 0;
            }
            current.Add(resource);
            bytes += size;
        }
        if (current.Count > 0)
        {
            transactions.Add(current);
        }
        return transactions;
    }
}
