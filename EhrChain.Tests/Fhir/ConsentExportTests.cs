using EhrChain.Core.Wire;
using EhrChain.Fhir;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>A grant as a FHIR Consent: patient, grantee as actor, permit, the grant's period, status by liveness.</summary>
public sealed class ConsentExportTests
{
    private const string RecordId = "r-0123456789abcdef0123";
    private const string OwnerId = "p-00000000000000000001";
    private const string DoctorId = "p-00000000000000000002";
    private const string LabId = "p-00000000000000000003";
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Granted = Now.AddDays(-10);
    private static readonly DateTimeOffset Expires = Now.AddDays(20);

    [Test]
    public void A_live_read_write_grant_is_an_active_permit_for_the_doctor_until_its_expiry()
    {
        var consent = ConsentMapping.ToConsent(Grant(DoctorId, ParticipantRole.Doctor, Permission.ReadWrite, Expires, revoked: null), OwnerId, Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consent.Status, Is.EqualTo(Consent.ConsentState.Active));
            Assert.That(consent.Patient!.Identifier!.Value, Is.EqualTo(OwnerId));
            Assert.That(consent.Patient.Type, Is.EqualTo("Patient"));
            Assert.That(consent.Scope!.Coding.Single().Code, Is.EqualTo("patient-privacy"));
            Assert.That(consent.Category.Single().Coding.Single().Code, Is.EqualTo("59284-0"));
            Assert.That(consent.Provision!.Type, Is.EqualTo(Consent.ConsentProvisionType.Permit));
            Assert.That(consent.Provision.Actor.Single().Reference!.Identifier!.Value, Is.EqualTo(DoctorId));
            Assert.That(consent.Provision.Actor.Single().Reference!.Type, Is.EqualTo("Practitioner"));
            Assert.That(consent.Provision.Actor.Single().Role!.Coding.Single().Code, Is.EqualTo("IRCP"));
            Assert.That(consent.Provision.Action.Select(a => a.Coding.Single().Code), Is.EqualTo(new[] { "access", "correct" }));
            Assert.That(consent.Provision.Period!.StartElement!.ToDateTimeOffset(TimeSpan.Zero), Is.EqualTo(Granted));
            Assert.That(consent.Provision.Period.EndElement!.ToDateTimeOffset(TimeSpan.Zero), Is.EqualTo(Expires));
            Assert.That(consent.Identifier.Single().Value, Is.EqualTo($"{RecordId}/{DoctorId}"));
            Assert.That(() => FhirJson.Validate(consent, "consent"), Throws.Nothing);
        }
    }

    [Test]
    public void A_read_grant_permits_access_only_and_one_without_expiry_has_an_open_period()
    {
        var consent = ConsentMapping.ToConsent(Grant(DoctorId, ParticipantRole.Doctor, Permission.Read, expires: null, revoked: null), OwnerId, Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(consent.Provision!.Action.Select(a => a.Coding.Single().Code), Is.EqualTo(new[] { "access" }));
            Assert.That(consent.Provision.Period!.End, Is.Null);
        }
    }

    [Test]
    public void A_revoked_grant_is_inactive()
    {
        var consent = ConsentMapping.ToConsent(Grant(DoctorId, ParticipantRole.Doctor, Permission.ReadWrite, Expires, revoked: Now.AddDays(-1)), OwnerId, Now);

        Assert.That(consent.Status, Is.EqualTo(Consent.ConsentState.Inactive));
    }

    [Test]
    public void An_expired_grant_is_inactive()
    {
        var consent = ConsentMapping.ToConsent(Grant(DoctorId, ParticipantRole.Doctor, Permission.ReadWrite, Now.AddSeconds(-1), revoked: null), OwnerId, Now);

        Assert.That(consent.Status, Is.EqualTo(Consent.ConsentState.Inactive));
    }

    [Test]
    public void A_laboratorys_grant_names_it_as_an_organization()
    {
        var consent = ConsentMapping.ToConsent(Grant(LabId, ParticipantRole.Laboratory, Permission.ReadWrite, expires: null, revoked: null), OwnerId, Now);

        Assert.That(consent.Provision!.Actor.Single().Reference!.Type, Is.EqualTo("Organization"));
    }

    [Test]
    public void An_export_holds_a_consent_per_grant_after_the_entries()
    {
        var grants = new[]
        {
            Grant(LabId, ParticipantRole.Laboratory, Permission.ReadWrite, expires: null, revoked: null),
            Grant(DoctorId, ParticipantRole.Doctor, Permission.ReadWrite, Expires, revoked: Now.AddDays(-1)),
        };
        var entry = new EhrChain.Client.DecryptedEntry(new RecordEntry { RecordId = RecordId, Index = 0, Kind = EntryKind.Note, AuthorId = OwnerId }, "hello"u8.ToArray(), null);

        var export = FhirExport.Build(new MedicalRecord { Id = RecordId, OwnerId = OwnerId }, [entry], grants, Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(export.Consents, Is.EqualTo(2));
            Assert.That(export.Bundle.Entry.Select(e => e.Resource!.TypeName), Is.EqualTo(new[] { "DocumentReference", "Consent", "Consent" }));
            Assert.That(export.Bundle.Entry.Skip(1).Select(e => ((Consent)e.Resource!).Status), Is.EquivalentTo(new[] { Consent.ConsentState.Active, Consent.ConsentState.Inactive }));
        }
    }

    private static AccessGrant Grant(string grantee, ParticipantRole role, Permission permission, DateTimeOffset? expires, DateTimeOffset? revoked) => new()
    {
        RecordId = RecordId,
        GranteeId = grantee,
        GranteeRole = role,
        Permission = permission,
        GrantedUnixMs = Granted.ToUnixTimeMilliseconds(),
        ExpiresUnixMs = expires?.ToUnixTimeMilliseconds() ?? 0,
        RevokedUnixMs = revoked?.ToUnixTimeMilliseconds() ?? 0,
    };
}
