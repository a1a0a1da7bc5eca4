using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>
/// A record's access log as FHIR R4 AuditEvents, after IHE Basic Audit Log Patterns (BALP) for a
/// RESTful read: type rest / subtype read, action R, the reader as the requesting agent, the
/// answering node as the server agent and the observer, the patient and the record as entities.
/// The reader's signed read request goes along as the record entity's detail, so whoever holds
/// the reader's public key can check a read was really asked for.
/// </summary>
public static class AuditEventMapping
{
    private const string AuditEventType = "http://terminology.hl7.org/CodeSystem/audit-event-type";
    private const string RestfulInteraction = "http://hl7.org/fhir/restful-interaction";
    private const string BalpAgentType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    private const string ObjectType = "http://terminology.hl7.org/CodeSystem/audit-entity-type";
    private const string ObjectRole = "http://terminology.hl7.org/CodeSystem/object-role";
    private const string BasisSystem = "urn:ehrchain:access-basis";

    /// <summary>A Bundle (collection) of one AuditEvent per read, in chain order, validated by the SDK.</summary>
    public static Model.Bundle ToBundle(string recordId, string ownerId, AccessLog log)
    {
        ArgumentNullException.ThrowIfNull(log);
        var bundle = new Model.Bundle { Type = Model.Bundle.BundleType.Collection };
        foreach (var record in log.Records)
        {
            bundle.Entry.Add(new Model.Bundle.EntryComponent
            {
                FullUrl = FhirReferences.FullUrl("audit", recordId, record.Height.ToString(System.Globalization.CultureInfo.InvariantCulture), record.Position.ToString(System.Globalization.CultureInfo.InvariantCulture), record.Index.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                Resource = ToAuditEvent(recordId, ownerId, record),
            });
        }
        FhirJson.Validate(bundle, "the access-log export");
        return bundle;
    }

    public static Model.AuditEvent ToAuditEvent(string recordId, string ownerId, AccessLogRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var entry = record.Entry;
        var recordEntity = new Model.AuditEvent.EntityComponent
        {
            What = new Model.ResourceReference { Identifier = new Model.Identifier(FhirReferences.RecordSystem, recordId) },
            Type = new Model.Coding(ObjectType, "2", "System Object"),
            Role = new Model.Coding(ObjectRole, "4", "Domain Resource"),
            Description = entry.Kind == AccessKind.ChainRead ? "a chain read returning the record's entries" : "the record's entries",
        };
        if (!entry.ReadRequest.IsEmpty)
        {
            recordEntity.Detail.Add(new Model.AuditEvent.DetailComponent
            {
                Type = "ehrchain-signed-read-request",
                Value = new Model.Base64Binary(entry.ReadRequest.ToByteArray()),
            });
        }
        return new Model.AuditEvent
        {
            Type = new Model.Coding(AuditEventType, "rest", "Restful Operation"),
            Subtype = [new Model.Coding(RestfulInteraction, "read", "read")],
            Action = Model.AuditEvent.AuditEventAction.R,
            Recorded = DateTimeOffset.FromUnixTimeMilliseconds(entry.ReadUnixMs),
            Outcome = Model.AuditEvent.AuditEventOutcome.N0,
            PurposeOfEvent = [new Model.CodeableConcept(BasisSystem, Basis(entry.Basis), BasisText(entry))],
            Agent =
            [
                new Model.AuditEvent.AgentComponent
                {
                    Type = new Model.CodeableConcept(BalpAgentType, "IRCP", "information recipient"),
                    Who = FhirReferences.Participant(entry.ReaderId, null),
                    Requestor = true,
                },
                new Model.AuditEvent.AgentComponent
                {
                    Type = new Model.CodeableConcept(BalpAgentType, "CST", "custodian"),
                    Who = Node(entry.NodeId),
                    Requestor = false,
                },
            ],
            Source = new Model.AuditEvent.SourceComponent { Observer = Node(entry.NodeId), Site = "ehrchain" },
            Entity =
            [
                new Model.AuditEvent.EntityComponent
                {
                    What = FhirReferences.Participant(ownerId, "Patient"),
                    Type = new Model.Coding(ObjectType, "1", "Person"),
                    Role = new Model.Coding(ObjectRole, "1", "Patient"),
                },
                recordEntity,
            ],
        };
    }

    private static Model.ResourceReference Node(string nodeId) =>
        new() { Type = "Device", Identifier = new Model.Identifier(FhirReferences.NodeSystem, nodeId) };

    private static string Basis(AccessBasis basis) => basis switch
    {
        AccessBasis.Owner => "owner",
        AccessBasis.Grant => "grant",
        AccessBasis.Emergency => "emergency",
        AccessBasis.PrescriptionShare => "prescription-share",
        _ => "unspecified",
    };

    private static string BasisText(AccessLogEntry entry) => entry.Basis switch
    {
        AccessBasis.Owner => "the record's owner",
        AccessBasis.Grant => $"a grant given at {DateTimeOffset.FromUnixTimeMilliseconds(entry.Grant?.GrantedUnixMs ?? 0):O} (key epoch {entry.Grant?.GrantedAtEpoch ?? 0})",
        AccessBasis.Emergency => $"emergency access {entry.EmergencyId}",
        AccessBasis.PrescriptionShare => $"prescription #{entry.EntryIndex} shared with the reader",
        _ => "unspecified",
    };
}
