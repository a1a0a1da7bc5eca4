using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class RecordRulesTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drBob = null!;
    private Actor _lab = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.InMemory();
        _alice = _net.Patient("alice");
        _drBob = _net.Doctor("dr-bob");
        _lab = _net.Laboratory("lab-1");
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void Patient_creates_a_record_with_initial_entries_only_they_can_decrypt()
    {
        var record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"), Entries.Note("asthma as a child"));

        Assert.That(_net.DecryptedTexts(_alice, record), Is.EqualTo(new List<string> { "penicillin", "asthma as a child" }));
    }

    [Test]
    public void Doctor_cannot_create_a_medical_record()
    {
        var result = _net.CommitOne(_drBob.Client.CreateMedicalRecord("rec-1").Transaction);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Record_id_must_be_unique()
    {
        _net.RecordOf(_alice, "rec-1");
        var bob = _net.Patient("bob");

        var result = _net.CommitOne(bob.Client.CreateMedicalRecord("rec-1").Transaction);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AlreadyExists));
    }

    [Test]
    public void Record_needs_its_data_key_sealed_to_the_owner()
    {
        var tx = Tamper.Edit(_alice, _alice.Client.CreateMedicalRecord("rec-1").Transaction,
            p => p.CreateMedicalRecord.OwnerSealedKey = ByteString.CopyFromUtf8("not a sealed key"));

        var result = _net.CommitOne(tx);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Patient_cannot_put_a_lab_result_in_their_own_record()
    {
        var result = _net.CommitOne(_alice.Client.CreateMedicalRecord("rec-1", [Entries.LabResult("normal")]).Transaction);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Owner_appends_to_their_record()
    {
        var record = _net.RecordOf(_alice, "rec-1");

        var result = _net.Append(_alice, record, Entries.Medication("ibuprofen"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(_alice, record), Is.EqualTo(new List<string> { "ibuprofen" }));
        }
    }

    [Test]
    public void Another_patient_cannot_append_to_a_record()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        var bob = _net.Patient("bob");

        var result = _net.Append(bob, record, Entries.Note("hello"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Admin_cannot_append_to_a_record()
    {
        var record = _net.RecordOf(_alice, "rec-1");

        var result = _net.Append(_net.Admin, record, Entries.Note("admin was here"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Appending_to_a_missing_record_is_not_found()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        var tx = Tamper.Edit(_alice, _alice.Client.AppendEntries(record.Keys, [Entries.Note("x")]), p => p.UpdateAsset.RecordId = "rec-404");

        Assert.That(_net.CommitOne(tx).Code, Is.EqualTo(TxResultCode.NotFound));
    }

    [Test]
    public void Doctor_with_a_read_write_grant_appends_a_diagnosis()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.ReadWrite);

        var result = _net.Append(_drBob, record, Entries.Diagnosis("hypertension"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(_alice, record), Is.EqualTo(new List<string> { "hypertension" }));
        }
    }

    [Test]
    public void Doctor_without_a_grant_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        var ring = record.Keys;

        var result = _net.CommitOne(_drBob.Client.AppendEntries(ring, [Entries.Diagnosis("made up")]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Doctor_with_a_read_only_grant_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.Read);

        var result = _net.Append(_drBob, record, Entries.Diagnosis("flu"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Doctor_cannot_append_a_lab_result()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob);

        var result = _net.Append(_drBob, record, Entries.LabResult("cholesterol 5.2"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Laboratory_appends_a_lab_result()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantLab(record, _lab);

        var result = _net.Append(_lab, record, Entries.LabResult("haemoglobin 14 g/dL"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(_lab, record), Is.EqualTo(new List<string> { "haemoglobin 14 g/dL" }));
        }
    }

    [Test]
    public void Laboratory_cannot_append_a_diagnosis()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantLab(record, _lab);

        var result = _net.Append(_lab, record, Entries.Diagnosis("diabetes"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Laboratory_without_a_grant_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");

        var result = _net.Append(_lab, record, Entries.LabResult("x"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Revoked_doctor_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob);
        var doctorsRing = record.Keys;
        Assert.That(_net.RevokeDoctor(record, _drBob).Code, Is.EqualTo(TxResultCode.Ok));

        var result = _net.CommitOne(_drBob.Client.AppendEntries(doctorsRing, [Entries.Diagnosis("after revocation")]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Revoked_laboratory_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantLab(record, _lab);
        var labsRing = record.Keys;
        Assert.That(_net.RevokeLab(record, _lab).Code, Is.EqualTo(TxResultCode.Ok));

        var result = _net.CommitOne(_lab.Client.AppendEntries(labsRing, [Entries.LabResult("late result")]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Doctor_with_an_expired_grant_cannot_append()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.ReadWrite, expires: _net.Clock.GetUtcNow().AddHours(1));
        _net.Clock.Advance(TimeSpan.FromHours(2));

        var result = _net.Append(_drBob, record, Entries.Diagnosis("too late"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.Expired));
    }

    [Test]
    public void Grant_expiry_is_judged_against_the_block_time_not_a_clock()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        var granted = _net.Clock.GetUtcNow();
        _net.GrantDoctor(record, _drBob, Permission.ReadWrite, expires: granted.AddHours(1));
        var append = _drBob.Client.AppendEntries(record.Keys, [Entries.Diagnosis("in time")]);
        _net.Clock.Advance(TimeSpan.FromDays(1));

        var block = _net.CommitBytes(granted.AddMinutes(30), append.ToByteString());

        Assert.That(block.Results.Single().Code, Is.EqualTo(TxResultCode.Ok));
    }

    [Test]
    public void Entries_must_use_the_current_key_epoch()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob);
        var oldRing = record.Keys;
        _net.RevokeDoctor(record, _drBob);

        var result = _net.CommitOne(_alice.Client.AppendEntries(oldRing, [Entries.Note("with the retired key")]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
    }

    [Test]
    public void Entries_are_appended_never_rewritten()
    {
        var record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("nuts"));
        _net.Append(_alice, record, Entries.Allergy("nuts: retracted"));

        var entries = _net.ReadRecord(_alice, record).Record.Entries;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries.Select(e => e.Index), Is.EqualTo(new List<uint> { 0, 1 }));
            Assert.That(_net.DecryptedTexts(_alice, record), Is.EqualTo(new List<string> { "nuts", "nuts: retracted" }));
        }
    }

    [Test]
    public void No_entry_is_written_under_a_key_an_expired_grantee_still_holds()
    {
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.Read, expires: _net.Clock.GetUtcNow().AddHours(1));
        _net.Clock.Advance(TimeSpan.FromHours(2));

        var beforeRotation = _net.Append(_alice, record, Entries.Note("private"));
        var rotation = _net.RevokeDoctor(record, _drBob);
        var afterRotation = _net.Append(_alice, record, Entries.Note("private"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(beforeRotation.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
            Assert.That(beforeRotation.Reason, Does.Contain("has expired").And.Not.Contain("dr-bob"), "the stored reason names no one");
            Assert.That(rotation.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(afterRotation.Code, Is.EqualTo(TxResultCode.Ok));
        }
    }

    [Test]
    public void A_later_grant_that_never_expires_does_not_hide_an_earlier_grantees_lapse()
    {
        var drCarol = _net.Doctor("dr-carol");
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.Read, expires: _net.Clock.GetUtcNow().AddHours(1));
        _net.GrantDoctor(record, drCarol, Permission.ReadWrite);
        _net.Clock.Advance(TimeSpan.FromHours(2));

        var append = _net.Append(_alice, record, Entries.Note("private"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(append.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
            Assert.That(append.Reason, Does.Contain("has expired").And.Not.Contain("dr-bob"), "the stored reason names no one");
        }
    }

    [Test]
    public void After_a_rotation_only_the_remaining_grantees_expiries_count()
    {
        var drCarol = _net.Doctor("dr-carol");
        var drDan = _net.Doctor("dr-dan");
        var start = _net.Clock.GetUtcNow();
        var record = _net.RecordOf(_alice, "rec-1");
        _net.GrantDoctor(record, _drBob, Permission.Read, expires: start.AddHours(1));
        _net.GrantDoctor(record, drCarol, Permission.Read, expires: start.AddHours(3));
        _net.GrantDoctor(record, drDan, Permission.Read);
        var boundBeforeRotation = new EhrState(_net.Store).Record("rec-1")!.HoldersExpireByUnixMs;
        var rotation = _net.RevokeDoctor(record, _drBob, drCarol, drDan);
        var boundAfterRotation = new EhrState(_net.Store).Record("rec-1")!.HoldersExpireByUnixMs;

        _net.Clock.Advance(TimeSpan.FromHours(2));
        var whileCarolIsLive = _net.Append(_alice, record, Entries.Note("carol may read this"));
        _net.Clock.Advance(TimeSpan.FromHours(2));
        var afterCarolLapsed = _net.Append(_alice, record, Entries.Note("carol may not"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rotation.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(boundBeforeRotation, Is.EqualTo(start.AddHours(1).ToUnixTimeMilliseconds()), "the earliest grant expiry among the key holders");
            Assert.That(boundAfterRotation, Is.EqualTo(start.AddHours(3).ToUnixTimeMilliseconds()), "recomputed over the remaining grantees");
            Assert.That(whileCarolIsLive.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(afterCarolLapsed.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
            Assert.That(afterCarolLapsed.Reason, Does.Contain("has expired").And.Not.Contain("dr-carol"), "the stored reason names no one");
        }
    }
}
