using System.Text;
using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>
/// An entry that was not imported from FHIR (a note typed with <c>--entry</c>, a lab result as
/// text) as a DocumentReference: its bytes as the attachment, exactly, with the entry kind as the
/// document type. No clinical coding is guessed from free text.
/// </summary>
public static class TextEntryMapping
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static Model.DocumentReference ToDocumentReference(RecordEntry entry, byte[] content, string ownerId)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(content);
        var kind = EntryKinds.NameOf(entry.Kind);
        return new Model.DocumentReference
        {
            MasterIdentifier = new Model.Identifier(FhirReferences.EntrySystem, $"{entry.RecordId}/{entry.Index}"),
            Status = Model.DocumentReferenceStatus.Current,
            Type = new Model.CodeableConcept(FhirReferences.EntryKindSystem, kind, kind),
            Subject = FhirReferences.Participant(ownerId, "Patient"),
            DateElement = new Model.Instant(DateTimeOffset.FromUnixTimeMilliseconds(entry.TimeUnixMs)),
            Author = [FhirReferences.Participant(entry.AuthorId, null)],
            Description = $"EhrChain {kind} entry #{entry.Index}, written as text",
            Content =
            [
                new Model.DocumentReference.ContentComponent
                {
                    Attachment = new Model.Attachment { ContentType = IsUtf8(content) ? "text/plain; charset=utf-8" : "application/octet-stream", Data = content },
                },
            ],
        };
    }

    private static bool IsUtf8(byte[] content)
    {
        try
        {
            StrictUtf8.GetString(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
