using System.Text;
using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

/// <summary>
/// Pharmacists: a doctor prescribes, the owner (or that doctor) shares the one prescription with
/// one pharmacist, who reads only that copy and records the dispensing once. Each rule allowed and
/// denied, over a real RocksDB store.
/// </summary>
public sealed class PharmacistRulesTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drBob = null!;
    private Actor _lab = null!;
    private Actor _pharmacy = null!;
    private Actor _otherPharmacy = null!;
    private TestRecord _record = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.OnRocks();
        _alice = _net.Patient("alice");
        _drBob = _net.Doctor("dr-bob");
        _lab = _net.Laboratory("lab-1");
        _pharmacy = _net.Pharmacist("pharm-1");
        _otherPharmacy = _net.Pharmacist("pharm-2");
        _record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"));
        _net.GrantDoctor(_record, _drBob);
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void A_granted_doctor_prescribes_and_the_patient_and_doctor_read_it()
    {
        var result = _net.Append(_drBob, _record, Entries.Prescription("amoxicillin 500 mg, 3x daily, 7 days"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(_alice, _record), Is.EqualTo(new List<string> { "penicillin", "amoxicillin 500 mg, 3x daily, 7 days" }));
        }
    }

    [Test]
    public void Nobody_but_a_doctor_writes_a_prescription()
    {
        _net.GrantLab(_record, _lab);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Append(_alice, _record, Entries.Prescription("self-prescribed")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_alice.Client.CreateMedicalRecord("rec-2", [Entries.Prescription("at creation")]).Transaction).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.Append(_lab, _record, Entries.Prescription("from a lab")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.Append(_pharmacy, _record, Entries.Prescription("from a pharmacy")).Code, Is.EqualTo(TxResultCode.AccessDenied));
        }
    }

    [Test]
    public void A_read_only_doctor_cannot_prescribe()
    {
        var drCarol = _net.Doctor("dr-carol");
        _net.GrantDoctor(_record, drCarol, Permission.Read);

        Assert.That(_net.Append(drCarol, _record, Entries.Prescription("x")).Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void The_owner_shares_a_prescription_and_only_that_pharmacist_reads_it()
    {
        var index = Prescribe("amoxicillin 500 mg");

        _net.ExpectOk(Share(_alice, index, _pharmacy));

        var listed = Prescriptions(_pharmacy).Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.UTF8.GetString(_pharmacy.Client.OpenPrescription(listed.Share)), Is.EqualTo("amoxicillin 500 mg"));
            Assert.That(listed.Share.PrescriberId, Is.EqualTo(_drBob.Id));
            Assert.That(listed.Dispensing, Is.Null);
            Assert.That(Prescriptions(_otherPharmacy), Is.Empty);
            Assert.That(() => _otherPharmacy.Client.OpenPrescription(listed.Share), Throws.InstanceOf<System.Security.Cryptography.CryptographicException>());
        }
    }

    [Test]
    public void A_pharmacist_reads_nothing_else_of_the_record()
    {
        var index = Prescribe("amoxicillin 500 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.ReadRecord(_pharmacy, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_pharmacy, Query.History(_record.Id)).Status, Is.EqualTo(ReadStatus.AccessDenied));
            using var view = _net.Store.OpenView();
            Assert.That(new EhrState(view).SealedKeys(_record.Id).Select(k => k.ReaderId), Does.Not.Contain(_pharmacy.Id));
        }
    }

    [Test]
    public void The_prescribing_doctor_may_share_but_another_doctor_may_not()
    {
        var drCarol = _net.Doctor("dr-carol");
        _net.GrantDoctor(_record, drCarol);
        var index = Prescribe("amoxicillin 500 mg");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(Share(drCarol, index, _pharmacy)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(Share(_drBob, index, _pharmacy)).Code, Is.EqualTo(TxResultCode.Ok));
        }
    }

    [Test]
    public void A_prescriber_whose_grant_was_revoked_may_no_longer_share()
    {
        var index = Prescribe("amoxicillin 500 mg");
        var share = Share(_drBob, index, _pharmacy);
        Assert.That(_net.RevokeDoctor(_record, _drBob).Code, Is.EqualTo(TxResultCode.Ok));

        Assert.That(_net.CommitOne(share).Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Only_prescriptions_are_shared_and_only_with_an_active_pharmacist()
    {
        var index = Prescribe("amoxicillin 500 mg");
        var suspended = _net.Pharmacist("pharm-3");
        _net.ExpectOk(_net.Admin.Client.SetStatus(suspended.Id, ParticipantStatus.Suspended));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(Share(_alice, 0, _pharmacy)).Code, Is.EqualTo(TxResultCode.InvalidArgument), "the allergy entry");
            Assert.That(_net.CommitOne(Share(_alice, index, _drBob)).Code, Is.EqualTo(TxResultCode.NotFound), "a doctor is no pharmacist");
            Assert.That(_net.CommitOne(Share(_alice, index, suspended)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(Edit(Share(_alice, index, _pharmacy), a => a.EntryIndex = uint.MaxValue)).Code, Is.EqualTo(TxResultCode.NotFound));
            Assert.That(_net.CommitOne(Edit(Share(_alice, index, _pharmacy), a => a.RecordId = "no-such-record")).Code, Is.EqualTo(TxResultCode.NotFound));
            Assert.That(_net.CommitOne(Edit(Share(_alice, index, _pharmacy), a => a.RecordId = "bad/id")).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(Edit(Share(_alice, index, _pharmacy), a => a.SealedKey = ByteString.Empty)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(Edit(Share(_alice, index, _pharmacy), a => a.Ciphertext = ByteString.CopyFrom(new byte[64 * 1024 + 1]))).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(Share(_net.Stranger("mallory"), index, _pharmacy)).Code, Is.EqualTo(TxResultCode.UnknownSigner));
        }
        Assert.That(Prescriptions(_pharmacy), Is.Empty, "no refused share left anything behind");
    }

    [Test]
    public void The_pharmacist_dispenses_once()
    {
        var index = Prescribe("amoxicillin 500 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));

        var first = _net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, index));
        var second = _net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, index));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(second.Code, Is.EqualTo(TxResultCode.AlreadyExists));
            Assert.That(Prescriptions(_pharmacy).Single().Dispensing.PharmacistId, Is.EqualTo(_pharmacy.Id));
        }
    }

    [Test]
    public void Two_dispensings_in_one_block_accept_only_the_first()
    {
        var index = Prescribe("amoxicillin 500 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));

        var block = _net.Commit(_pharmacy.Client.DispensePrescription(_record.Id, index), _pharmacy.Client.DispensePrescription(_record.Id, index));

        Assert.That(block.Results.Select(r => r.Code), Is.EqualTo(new[] { TxResultCode.Ok, TxResultCode.AlreadyExists }));
    }

    [Test]
    public void Nobody_but_the_pharmacist_it_is_shared_with_dispenses()
    {
        var index = Prescribe("amoxicillin 500 mg");
        var unshared = Prescribe("ibuprofen 400 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(_otherPharmacy.Client.DispensePrescription(_record.Id, index)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, unshared)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_alice.Client.DispensePrescription(_record.Id, index)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_drBob.Client.DispensePrescription(_record.Id, index)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, 0)).Code, Is.EqualTo(TxResultCode.InvalidArgument), "the allergy entry");
            Assert.That(_net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, uint.MaxValue)).Code, Is.EqualTo(TxResultCode.NotFound));
        }
        Assert.That(Prescriptions(_pharmacy).Single().Dispensing, Is.Null);
    }

    [Test]
    public void Sharing_again_moves_the_prescription_to_the_new_pharmacist_until_it_is_dispensed()
    {
        var index = Prescribe("amoxicillin 500 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));
        _net.ExpectOk(Share(_alice, index, _otherPharmacy));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Prescriptions(_pharmacy), Is.Empty);
            Assert.That(Prescriptions(_otherPharmacy), Has.Count.EqualTo(1));
            Assert.That(_net.CommitOne(_pharmacy.Client.DispensePrescription(_record.Id, index)).Code, Is.EqualTo(TxResultCode.AccessDenied));
        }
        _net.ExpectOk(_otherPharmacy.Client.DispensePrescription(_record.Id, index));
        Assert.That(_net.CommitOne(Share(_alice, index, _pharmacy)).Code, Is.EqualTo(TxResultCode.AlreadyExists));
    }

    [Test]
    public void The_patient_sees_the_share_and_the_dispensing_in_the_history()
    {
        var index = Prescribe("amoxicillin 500 mg");
        _net.ExpectOk(Share(_alice, index, _pharmacy));
        _net.ExpectOk(_pharmacy.Client.DispensePrescription(_record.Id, index));

        var changes = _net.Read(_alice, Query.History(_record.Id)).History.Changes.TakeLast(2).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(changes.Select(c => c.Kind), Is.EqualTo(new[] { ChangeKind.PrescriptionShared, ChangeKind.PrescriptionDispensed }));
            Assert.That(changes.Select(c => c.GranteeId), Is.EqualTo(new[] { _pharmacy.Id, _pharmacy.Id }));
            Assert.That(changes.Select(c => c.EntryIndices.Single()), Is.EqualTo(new[] { index, index }));
            Assert.That(changes[1].AuthorId, Is.EqualTo(_pharmacy.Id));
        }
    }

    [Test]
    public void Only_a_pharmacist_lists_prescriptions()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Read(_alice, ListQuery()).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_drBob, ListQuery()).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_net.Admin, ListQuery()).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_pharmacy, ListQuery()).Status, Is.EqualTo(ReadStatus.Ok));
        }
    }

    [Test]
    public void A_copy_moved_to_another_prescription_does_not_decrypt()
    {
        var first = Prescribe("amoxicillin 500 mg");
        var second = Prescribe("ibuprofen 400 mg");
        _net.ExpectOk(Share(_alice, first, _pharmacy));
        var copy = Prescriptions(_pharmacy).Single().Share;

        _net.ExpectOk(Edit(Share(_alice, second, _pharmacy), a =>
        {
            a.Ciphertext = copy.Ciphertext;
            a.SealedKey = copy.SealedKey;
        }));

        var moved = Prescriptions(_pharmacy).Single(p => p.Share.EntryIndex == second).Share;
        Assert.That(() => _pharmacy.Client.OpenPrescription(moved), Throws.InstanceOf<System.Security.Cryptography.CryptographicException>());
    }

    private uint Prescribe(string text)
    {
        var before = RecordEntryCount();
        Assert.That(_net.Append(_drBob, _record, Entries.Prescription(text)).Code, Is.EqualTo(TxResultCode.Ok));
        return before;
    }

    private uint RecordEntryCount()
    {
        using var view = _net.Store.OpenView();
        return new EhrState(view).Record(_record.Id)!.EntryCount;
    }

    /// <summary>A share by <paramref name="sharer"/>, made with the owner's keys (a share by someone who cannot read is refused before its content matters).</summary>
    private SignedTransaction Share(Actor sharer, uint index, Actor pharmacist)
    {
        using var view = _net.Store.OpenView();
        var entry = new EhrState(view).Entry(_record.Id, index)!;
        var honest = _alice.Client.SharePrescription(_record.Keys, entry, pharmacist.Holder);
        var action = SignedAction(honest);
        return sharer.Client.Sign(p => p.SharePrescription = action);
    }

    private SignedTransaction Edit(SignedTransaction share, Action<SharePrescription> change)
    {
        var payload = TransactionPayload.Parser.ParseFrom(share.Payload);
        var action = payload.SharePrescription.Clone();
        change(action);
        var signer = new[] { _alice, _drBob }.Single(a => a.Id == payload.SignerId);
        return signer.Client.Sign(p => p.SharePrescription = action);
    }

    private static SharePrescription SignedAction(SignedTransaction tx) => TransactionPayload.Parser.ParseFrom(tx.Payload).SharePrescription;

    private static ReadQuery ListQuery() => new() { ListSharedPrescriptions = new ListSharedPrescriptionsQuery() };

    private List<SharedPrescription> Prescriptions(Actor pharmacist)
    {
        var response = _net.Read(pharmacist, ListQuery());
        Assert.That(response.Status, Is.EqualTo(ReadStatus.Ok), response.Reason);
        return [.. response.Prescriptions.Prescriptions];
    }
}
