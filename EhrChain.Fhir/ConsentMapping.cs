using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>
/// A grant as a FHIR R4 Consent: the patient (record owner) permits the grantee, as an
/// information recipient, to access (and with read-write, to correct) the record during the
/// grant's period. Active while the grant is live at the export time; revoked or expired, inactive.
/// </summary>
public static class ConsentMapping
{
    private const string ConsentScope = "http://terminology.hl7.org/CodeSystem/consentscope";
    private const string ConsentAction = "http://terminology.hl7.org/CodeSystem/consentaction";
    private const string ActCode = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
    private const string ParticipationType = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    private const string Loinc = "http://loinc.org";

    public static Model.Consent ToConsent(AccessGrant grant, string ownerId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(grant);
        var nowMs = now.ToUnixTimeMilliseconds();
        var live = grant.RevokedUnixMs == 0 && (grant.ExpiresUnixMs == 0 || nowMs < grant.ExpiresUnixMs);
        var provision = new Model.Consent.provisionComponent
        {
            Type = Model.Consent.ConsentProvisionType.Permit,
            Period = new Model.Period
            {
                StartElement = new Model.FhirDateTime(DateTimeOffset.FromUnixTimeMilliseconds(grant.GrantedUnixMs)),
                EndElement = grant.ExpiresUnixMs == 0 ? null : new Model.FhirDateTime(DateTimeOffset.FromUnixTimeMilliseconds(grant.ExpiresUnixMs)),
            },
            Actor =
            [
                new Model.Consent.provisionActorComponent
                {
                    Role = new Model.CodeableConcept(ParticipationType, "IRCP", "information recipient"),
                    Reference = FhirReferences.Participant(grant.GranteeId, TypeOf(grant.GranteeRole)),
                },
            ],
            Action = [new Model.CodeableConcept(ConsentAction, "access", "Access")],
        };
        if (grant.Permission == Permission.ReadWrite)
        {
            // A laboratory's read-write is limited by the contract to lab results; FHIR's action says correct (write) either way.
            provision.Action.Add(new Model.CodeableConcept(ConsentAction, "correct", "Access and Correct"));
        }
        return new Model.Consent
        {
            Identifier = [new Model.Identifier(FhirReferences.GrantSystem, $"{grant.RecordId}/{grant.GranteeId}")],
            Status = live ? Model.Consent.ConsentState.Active : Model.Consent.ConsentState.Inactive,
            Scope = new Model.CodeableConcept(ConsentScope, "patient-privacy", "Privacy Consent"),
            Category = [new Model.CodeableConcept(Loinc, "59284-0", "Patient Consent")],
            Patient = FhirReferences.Participant(ownerId, "Patient"),
            DateTimeElement = new Model.FhirDateTime(DateTimeOffset.FromUnixTimeMilliseconds(grant.GrantedUnixMs)),
            Performer = [FhirReferences.Participant(ownerId, "Patient")],
            // Consent requires a policy or a policy rule (ppc-1): the patient opts in to disclosure.
            PolicyRule = new Model.CodeableConcept(ActCode, "OPTIN", "opt-in"),
            Provision = provision,
        };
    }

    private static string? TypeOf(ParticipantRole role) => role switch
    {
        ParticipantRole.Doctor => "Practitioner",
        ParticipantRole.Laboratory => "Organization",
        ParticipantRole.Patient => "Patient",
        _ => null,
    };
}
