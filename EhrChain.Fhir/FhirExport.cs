using System.Text;
using EhrChain.Client;
using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>What an export wrote and what it left out.</summary>
public sealed record FhirExportResult(Model.Bundle Bundle, int FhirEntries, int TextEntries, int UnreadableEntries, int Consents);

/// <summary>
/// A record as its reader sees it, as a FHIR R4 Bundle of type collection: each entry the reader
/// can decrypt (a resource imported from FHIR exactly as imported, anything else as a
/// DocumentReference), then each grant as a Consent. Validated by the SDK before it is handed out.
/// </summary>
public static class FhirExport
{
    public static FhirExportResult Build(MedicalRecord record, IEnumerable<DecryptedEntry> entries, IEnumerable<AccessGrant> grants, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(grants);
        var bundle = new Model.Bundle
        {
            Type = Model.Bundle.BundleType.Collection,
            TimestampElement = new Model.Instant(now),
        };
        var (fhir, text, unreadable) = (0, 0, 0);
        foreach (var entry in entries)
        {
            if (!entry.IsReadable)
            {
                unreadable++;
                continue;
            }
            var imported = Imported(entry);
            if (imported is null)
            {
                text++;
            }
            else
            {
                fhir++;
            }
            bundle.Entry.Add(new Model.Bundle.EntryComponent
            {
                FullUrl = FhirReferences.FullUrl("entry", record.Id, entry.Entry.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Resource = imported ?? TextEntryMapping.ToDocumentReference(entry.Entry, entry.Content!, record.OwnerId),
            });
        }
        var consents = 0;
        foreach (var grant in grants.OrderBy(g => g.GrantedUnixMs).ThenBy(g => g.GranteeId, StringComparer.Ordinal))
        {
            bundle.Entry.Add(new Model.Bundle.EntryComponent
            {
                FullUrl = FhirReferences.FullUrl("grant", record.Id, grant.GranteeId),
                Resource = ConsentMapping.ToConsent(grant, record.OwnerId, now),
            });
            consents++;
        }
        FhirJson.Validate(bundle, "the exported Bundle");
        return new FhirExportResult(bundle, fhir, text, unreadable, consents);
    }

    /// <summary>The entry's content as the resource it was imported from, or null when it is not FHIR of a type its kind holds.</summary>
    private static Model.Resource? Imported(DecryptedEntry entry)
    {
        var content = entry.Content!;
        if (content.Length == 0 || content[0] != (byte)'{')
        {
            return null;
        }
        string json;
        try
        {
            json = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        return FhirJson.TryParse(json) is { } resource && EntryKinds.Holds(entry.Entry.Kind, resource) ? resource : null;
    }
}
