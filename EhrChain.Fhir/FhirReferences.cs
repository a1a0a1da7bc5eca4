using System.Security.Cryptography;
using System.Text;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>
/// How exported resources name EhrChain's participants, records and entries. Participants are
/// referenced by identifier, not by a Patient/... URL: the bundle carries no Patient resource and
/// there is no FHIR server behind it, and chain ids need not fit FHIR's id syntax.
/// </summary>
public static class FhirReferences
{
    public const string ParticipantSystem = "urn:ehrchain:participant";
    public const string EntrySystem = "urn:ehrchain:entry";
    public const string GrantSystem = "urn:ehrchain:grant";
    public const string EntryKindSystem = "urn:ehrchain:entry-kind";
    public const string RecordSystem = "urn:ehrchain:record";
    public const string NodeSystem = "urn:ehrchain:node";

    /// <summary>A reference to a participant by its chain id; <paramref name="type"/> (Patient, Practitioner, Organization) when the role is known.</summary>
    public static Model.ResourceReference Participant(string participantId, string? type) =>
        new() { Type = type, Identifier = new Model.Identifier(ParticipantSystem, participantId) };

    /// <summary>
    /// A stable urn:uuid for a bundle entry, derived from what it stands for: exporting the same
    /// record twice gives the same fullUrls, so two exports can be compared or merged.
    /// </summary>
    public static string FullUrl(params string[] parts)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("ehrchain/fhir/fullurl\0" + string.Join('\0', parts)));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // version 8: a name-based UUID of our own
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        var hex = Convert.ToHexStringLower(hash.AsSpan(0, 16));
        return $"urn:uuid:{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }
}
