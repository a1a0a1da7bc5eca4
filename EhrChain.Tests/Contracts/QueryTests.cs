using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class QueryTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drBob = null!;
    private Actor _drEve = null!;
    private Actor _lab = null!;
    private TestRecord _record = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.InMemory();
        _alice = _net.Patient("alice");
        _drBob = _net.Doctor("dr-bob");
        _drEve = _net.Doctor("dr-eve");
        _lab = _net.Laboratory("lab-1");
        _record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"));
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void Owner_reads_and_decrypts_the_record()
    {
        Assert.That(_net.DecryptedTexts(_alice, _record), Is.EqualTo(new List<string> { "penicillin" }));
    }

    [Test]
    public void Doctor_with_a_grant_reads_the_record_with_his_own_sealed_key()
    {
        _net.GrantDoctor(_record, _drBob, Permission.Read);

        var view = _net.ReadRecord(_drBob, _record).Record;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(view.ReaderKeys.Select(k => k.Epoch), Is.EqualTo(new List<uint> { 0 }));
            Assert.That(_drBob.Client.Decrypt(view).Select(Entries.Text), Is.EqualTo(new List<string> { "penicillin" }));
        }
    }

    [Test]
    public void Doctor_without_a_grant_cannot_read_the_record()
    {
        var response = _net.ReadRecord(_drEve, _record);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(response.Record, Is.Null);
        }
    }

    [Test]
    public void Expired_grant_denies_reading()
    {
        _net.GrantDoctor(_record, _drBob, Permission.Read, expires: _net.Clock.GetUtcNow().AddHours(1));
        _net.Clock.Advance(TimeSpan.FromHours(1));

        Assert.That(_net.ReadRecord(_drBob, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
    }

    [Test]
    public void Revoked_doctor_cannot_read_the_record()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.RevokeDoctor(_record, _drBob);

        Assert.That(_net.ReadRecord(_drBob, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
    }

    [Test]
    public void Laboratory_with_a_grant_reads_the_record()
    {
        _net.GrantLab(_record, _lab);

        Assert.That(_net.DecryptedTexts(_lab, _record), Is.EqualTo(new List<string> { "penicillin" }));
    }

    [Test]
    public void Admin_cannot_read_entry_content()
    {
        var view = _net.ReadRecord(_net.Admin, _record).Record;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(view.Record.OwnerId, Is.EqualTo("alice"));
            Assert.That(view.Record.EntryCount, Is.EqualTo(1));
            Assert.That(view.Entries, Is.Empty);
            Assert.That(view.ReaderKeys, Is.Empty);
        }
    }

    [Test]
    public void Admin_reads_record_history_and_grants_as_metadata()
    {
        _net.GrantDoctor(_record, _drBob);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Read(_net.Admin, Query.History("rec-1")).Status, Is.EqualTo(ReadStatus.Ok));
            Assert.That(_net.Read(_net.Admin, Query.Grants("rec-1")).Grants.Grants.Select(g => g.GranteeId), Is.EqualTo(new List<string> { "dr-bob" }));
        }
    }

    [Test]
    public void Any_participant_reads_a_public_profile_with_its_encryption_key()
    {
        var profile = _net.Read(_alice, Query.Participant("dr-bob")).Participant;

        Assert.That(profile.EncryptionPublicKey.ToByteArray(), Is.EqualTo(_drBob.Keys.Encryption.PublicKey.ToArray()));
    }

    [Test]
    public void Unknown_participant_is_not_found()
    {
        Assert.That(_net.Read(_alice, Query.Participant("nobody")).Status, Is.EqualTo(ReadStatus.NotFound));
    }

    [Test]
    public void Patient_lists_their_own_records()
    {
        _net.RecordOf(_alice, "rec-2");

        var records = _net.Read(_alice, Query.RecordsOf("alice")).Records.Records;

        Assert.That(records.Select(r => r.Id), Is.EqualTo(new List<string> { "rec-1", "rec-2" }));
    }

    [Test]
    public void Doctor_lists_only_the_records_of_a_patient_he_holds_a_grant_on()
    {
        _net.RecordOf(_alice, "rec-2");
        _net.GrantDoctor(_record, _drBob, Permission.Read);

        var records = _net.Read(_drBob, Query.RecordsOf("alice")).Records.Records;

        Assert.That(records.Select(r => r.Id), Is.EqualTo(new List<string> { "rec-1" }));
    }

    [Test]
    public void Doctor_without_any_grant_cannot_list_a_patients_records()
    {
        Assert.That(_net.Read(_drEve, Query.RecordsOf("alice")).Status, Is.EqualTo(ReadStatus.AccessDenied));
    }

    [Test]
    public void Doctor_lists_his_patients_but_another_doctor_cannot()
    {
        _net.GrantDoctor(_record, _drBob);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Read(_drBob, Query.PatientsOf("dr-bob")).Patients.Patients.Select(p => p.PatientId), Is.EqualTo(new List<string> { "alice" }));
            Assert.That(_net.Read(_drEve, Query.PatientsOf("dr-bob")).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_alice, Query.PatientsOf("dr-bob")).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_net.Admin, Query.PatientsOf("dr-bob")).Status, Is.EqualTo(ReadStatus.Ok));
        }
    }

    [Test]
    public void Record_history_lists_every_change_with_author_height_and_tx_id()
    {
        _net.GrantDoctor(_record, _drBob);
        var append = _drBob.Client.AppendEntries(_record.Keys, [Entries.Diagnosis("flu")]);
        var block = _net.Commit(append);

        var changes = _net.Read(_alice, Query.History("rec-1")).History.Changes;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changes.Select(c => c.Kind), Is.EqualTo(new List<ChangeKind> { ChangeKind.RecordCreated, ChangeKind.AccessGranted, ChangeKind.EntriesAppended }));
            Assert.That(changes[2].AuthorId, Is.EqualTo("dr-bob"));
            Assert.That(changes[2].Height, Is.EqualTo(block.Header.Height));
            Assert.That(changes[2].TimeUnixMs, Is.EqualTo(block.Header.TimeUnixMs));
            Assert.That(changes[2].TxId.ToByteArray(), Is.EqualTo(Hash.Compute(append.Payload.Span).ToArray()));
            Assert.That(changes[2].EntryKinds, Is.EqualTo(new List<EntryKind> { EntryKind.Diagnosis }));
        }
    }

    [Test]
    public void Stranger_cannot_read_history_or_grants()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Read(_drEve, Query.History("rec-1")).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_drEve, Query.Grants("rec-1")).Status, Is.EqualTo(ReadStatus.AccessDenied));
        }
    }

    [Test]
    public void Live_grantee_lists_the_grants_of_the_record()
    {
        _net.GrantDoctor(_record, _drBob);
        _net.GrantLab(_record, _lab);

        var grants = _net.Read(_lab, Query.Grants("rec-1")).Grants.Grants;

        Assert.That(grants.Select(g => g.GranteeId), Is.EqualTo(new List<string> { "dr-bob", "lab-1" }));
    }

    [Test]
    public void Missing_record_is_not_found()
    {
        Assert.That(_net.ReadRecord(_alice, "rec-404").Status, Is.EqualTo(ReadStatus.NotFound));
    }

    [Test]
    public void Read_request_signed_by_someone_else_is_refused()
    {
        var forged = _drEve.Client.Read(Query.Record("rec-1"));
        var request = ReadRequest.Parser.ParseFrom(forged.Request);
        request.ReaderId = "alice";
        forged.Request = request.ToByteString();

        Assert.That(_net.Answer(forged).Status, Is.EqualTo(ReadStatus.InvalidRequest));
    }

    [Test]
    public void Transaction_signature_does_not_pass_for_a_read_request()
    {
        var request = ReadRequest.Parser.ParseFrom(_alice.Client.Read(Query.Record("rec-1")).Request).ToByteArray();
        var crossDomain = new SignedReadRequest
        {
            Request = ByteString.CopyFrom(request),
            Signature = ByteString.CopyFrom(_alice.Keys.Signing.Sign(SigningDomain.Transaction, request)),
        };

        Assert.That(_net.Answer(crossDomain).Status, Is.EqualTo(ReadStatus.InvalidRequest));
    }

    [Test]
    public void Stale_read_request_is_refused()
    {
        var request = _alice.Client.Read(Query.Record("rec-1"));
        _net.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.That(_net.Answer(request).Status, Is.EqualTo(ReadStatus.InvalidRequest));
    }

    [Test]
    public void Suspended_participant_cannot_read()
    {
        _net.ExpectOk(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Suspended));

        Assert.That(_net.ReadRecord(_alice, _record).Status, Is.EqualTo(ReadStatus.InvalidRequest));
    }

    [Test]
    public void Unenrolled_reader_is_refused()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.ReadRecord(_net.Stranger("zed"), _record).Status, Is.EqualTo(ReadStatus.InvalidRequest));
            Assert.That(_net.ReadRecord(_net.Stranger("alice"), _record).Status, Is.EqualTo(ReadStatus.InvalidRequest), "alice's id with other keys");
        }
    }
}
