using EhrChain.Client;
using EhrChain.Core.Wire;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

/// <summary>The whole story of the design, on the executor over RocksDB.</summary>
public sealed class ScenarioTests
{
    [Test]
    public void Patient_shares_with_a_doctor_and_a_lab_then_revokes_the_doctor_who_is_locked_out_of_everything_new()
    {
        using var net = TestNetwork.OnRocks();

        // The Admin enrols everyone.
        var alice = net.Patient("alice");
        var drBob = net.Doctor("dr-bob");
        var lab = net.Laboratory("lab-1");

        // Alice creates her record and grants a doctor (read-write) and a laboratory.
        var record = net.RecordOf(alice, "alice-ehr", Entries.Allergy("penicillin"));
        net.GrantDoctor(record, drBob, Permission.ReadWrite);
        net.GrantLab(record, lab);

        // Both write, each what they may.
        var doctorsView = net.ReadRecord(drBob, record).Record;
        var doctorsKeys = drBob.Client.OpenKeys(doctorsView);
        Assert.That(net.CommitOne(drBob.Client.AppendEntries(doctorsKeys, [Entries.Diagnosis("type 2 diabetes")])).Code, Is.EqualTo(TxResultCode.Ok));
        var labsKeys = lab.Client.OpenKeys(net.ReadRecord(lab, record).Record);
        Assert.That(net.CommitOne(lab.Client.AppendEntries(labsKeys, [Entries.LabResult("HbA1c 7.1%")])).Code, Is.EqualTo(TxResultCode.Ok));

        // Alice revokes the doctor: the key rotates to a new epoch sealed to her and the lab only.
        Assert.That(net.RevokeDoctor(record, drBob, lab), Is.EqualTo(new TxResult { Code = TxResultCode.Ok }));
        Assert.That(net.Append(alice, record, Entries.Medication("metformin 500 mg")).Code, Is.EqualTo(TxResultCode.Ok));
        var newLabKeys = lab.Client.OpenKeys(net.ReadRecord(lab, record).Record);
        Assert.That(net.CommitOne(lab.Client.AppendEntries(newLabKeys, [Entries.LabResult("HbA1c 6.4%")])).Code, Is.EqualTo(TxResultCode.Ok));

        // The revoked doctor is refused, and the entries written since cannot be decrypted with every key he ever held.
        var refusedWrite = net.CommitOne(drBob.Client.AppendEntries(doctorsKeys, [Entries.Diagnosis("after revocation")]));
        var refusedRead = net.ReadRecord(drBob, record);
        var allEntries = net.ReadRecord(alice, record).Record.Entries;
        var whatBobCanDecrypt = allEntries.Select(e => EhrClient.Decrypt(doctorsKeys, e)).Select(Entries.Text).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusedWrite.Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(refusedRead.Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(whatBobCanDecrypt, Is.EqualTo(new List<string>
            {
                "penicillin", "type 2 diabetes", "HbA1c 7.1%", "<unreadable>", "<unreadable>",
            }));
            Assert.That(net.DecryptedTexts(alice, record), Is.EqualTo(new List<string>
            {
                "penicillin", "type 2 diabetes", "HbA1c 7.1%", "metformin 500 mg", "HbA1c 6.4%",
            }));
            Assert.That(net.DecryptedTexts(lab, record), Has.Count.EqualTo(5).And.No.EqualTo("<unreadable>"));
            Assert.That(net.Read(drBob, Query.PatientsOf("dr-bob")).Patients.Patients, Is.Empty);
            Assert.That(net.Read(alice, Query.History("alice-ehr")).History.Changes.Select(c => c.Kind), Is.EqualTo(new List<ChangeKind>
            {
                ChangeKind.RecordCreated, ChangeKind.AccessGranted, ChangeKind.AccessGranted, ChangeKind.EntriesAppended,
                ChangeKind.EntriesAppended, ChangeKind.AccessRevoked, ChangeKind.EntriesAppended, ChangeKind.EntriesAppended,
            }));
            Assert.That(ChainVerifier.Verify(net.Store).IsValid, Is.True);
        }
    }
}
