using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

public sealed class GrantRulesTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drBob = null!;
    private Actor _drCarol = null!;
    private Actor _lab = null!;
    private TestRecord _record = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.InMemory();
        _alice = _net.Patient("alice");
        _drBob = _net.Doctor("dr-bob");
        _drCarol = _net.Doctor("dr-carol");
        _lab = _net.Laboratory("lab-1");
        _record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"));
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void Owner_grants_a_doctor_who_joins_the_doctors_patient_directory()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _drBob.Holder, Permission.ReadWrite));

        var patients = _net.Read(_drBob, Query.PatientsOf("dr-bob")).Patients.Patients;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(patients.Select(p => p.PatientId), Is.EqualTo(new List<string> { "alice" }));
            Assert.That(_net.DecryptedTexts(_drBob, _record), Is.EqualTo(new List<string> { "penicillin" }));
        }
    }

    [Test]
    public void Only_the_owner_can_grant_access()
    {
        _net.GrantDoctor(_record, _drBob);

        var result = _net.CommitOne(_drBob.Client.GrantAccess(_record.Keys, _drCarol.Holder, Permission.Read));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void GrantAccess_is_for_doctors_only()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _lab.Holder, Permission.Read));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void GrantAccessToLab_is_for_laboratories_only()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccessToLab(_record.Keys, _drBob.Holder));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Suspended_doctor_cannot_be_granted_access()
    {
        _net.ExpectOk(_net.Admin.Client.SetStatus("dr-bob", ParticipantStatus.Suspended));

        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _drBob.Holder, Permission.Read));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Unknown_grantee_is_not_found()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _net.Stranger("dr-nobody").Holder, Permission.Read));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.NotFound));
    }

    [Test]
    public void Grant_needs_a_permission()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _drBob.Holder, Permission.Unspecified));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Expiry_in_the_past_is_refused()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccess(_record.Keys, _drBob.Holder, Permission.Read, _net.Clock.GetUtcNow().AddMinutes(-1)));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Grant_must_carry_the_key_of_every_epoch()
    {
        _net.GrantDoctor(_record, _drCarol);
        var before = _record.Keys;
        _net.RevokeDoctor(_record, _drCarol);

        var result = _net.CommitOne(_alice.Client.GrantAccess(before, _drBob.Holder, Permission.Read));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
    }

    [Test]
    public void Doctor_granted_after_a_rotation_reads_every_epoch()
    {
        _net.GrantDoctor(_record, _drCarol);
        _net.RevokeDoctor(_record, _drCarol);
        _net.Append(_alice, _record, Entries.Note("epoch one"));

        _net.GrantDoctor(_record, _drBob, Permission.Read);

        Assert.That(_net.DecryptedTexts(_drBob, _record), Is.EqualTo(new List<string> { "penicillin", "epoch one" }));
    }

    [Test]
    public void Owner_grants_a_laboratory_which_joins_its_directory()
    {
        var result = _net.CommitOne(_alice.Client.GrantAccessToLab(_record.Keys, _lab.Holder));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.Read(_lab, Query.PatientsOf("lab-1")).Patients.Patients.Select(p => p.PatientId), Is.EqualTo(new List<string> { "alice" }));
        }
    }

    [Test]
    public void Revocation_ends_the_grant_and_rotates_the_key()
    {
        _net.GrantDoctor(_record, _drBob);

        var result = _net.RevokeDoctor(_record, _drBob);

        var grant = _net.Read(_alice, Query.Grants("rec-1")).Grants.Grants.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(grant.RevokedUnixMs, Is.EqualTo(_net.Clock.GetUtcNow().ToUnixTimeMilliseconds()));
            Assert.That(_net.ReadRecord(_alice, _record).Record.Record.KeyEpoch, Is.EqualTo(1));
            Assert.That(_net.Read(_drBob, Query.PatientsOf("dr-bob")).Patients.Patients, Is.Empty);
        }
    }

    [Test]
    public void Patient_stays_in_the_directory_while_another_record_grant_is_live()
    {
        var second = _net.RecordOf(_alice, "rec-2");
        _net.GrantDoctor(_record, _drBob);
        _net.GrantDoctor(second, _drBob);

        _net.RevokeDoctor(_record, _drBob);

        Assert.That(_net.Read(_drBob, Query.PatientsOf("dr-bob")).Patients.Patients.Select(p => p.PatientId), Is.EqualTo(new List<string> { "alice" }));
    }

    [Test]
    public void Only_the_owner_can_revoke()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.GrantDoctor(_record, _drCarol);

        var result = _net.CommitOne(_drCarol.Client.RevokeAccess(_record.Keys, "dr-bob", [_drCarol.Holder]).Transaction);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Rotated_key_must_reach_every_remaining_grantee()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.GrantLab(_record, _lab);

        var result = _net.RevokeDoctor(_record, _drBob);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(result.Reason, Does.Contain("1 missing").And.Not.Contain("lab-1"));
        }
    }

    [Test]
    public void Rotated_key_must_not_reach_the_revoked_doctor()
    {
        _net.GrantDoctor(_record, _drBob);

        var result = _net.RevokeDoctor(_record, _drBob, _drBob);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(result.Reason, Does.Contain("1 not entitled").And.Not.Contain("dr-bob"));
        }
    }

    [Test]
    public void Rotated_key_skips_grantees_whose_grant_has_expired()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.GrantDoctor(_record, _drCarol, Permission.Read, expires: _net.Clock.GetUtcNow().AddHours(1));
        _net.Clock.Advance(TimeSpan.FromHours(2));

        var result = _net.RevokeDoctor(_record, _drBob);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
    }

    [Test]
    public void RevokeAccess_is_for_doctors_and_RevokeAccessFromLab_for_laboratories()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.GrantLab(_record, _lab);

        var labThroughRevokeAccess = _net.RevokeDoctor(_record, _lab, _drBob);
        var doctorThroughRevokeFromLab = _net.RevokeLab(_record, _drBob, _lab);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(labThroughRevokeAccess.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(doctorThroughRevokeFromLab.Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }

    [Test]
    public void Revoking_a_grant_twice_is_refused()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.RevokeDoctor(_record, _drBob);

        var again = _net.RevokeDoctor(_record, _drBob);

        Assert.That(again.Code, Is.EqualTo(TxResultCode.NotFound));
    }

    [Test]
    public void Revoked_doctor_can_be_granted_again()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.RevokeDoctor(_record, _drBob);

        _net.GrantDoctor(_record, _drBob);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Append(_drBob, _record, Entries.Diagnosis("back again")).Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(_drBob, _record), Is.EqualTo(new List<string> { "penicillin", "back again" }));
        }
    }
}
