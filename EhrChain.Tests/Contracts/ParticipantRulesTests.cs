using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class ParticipantRulesTests
{
    private TestNetwork _net = null!;

    [SetUp]
    public void SetUp() => _net = TestNetwork.InMemory();

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void Admin_can_enrol_a_doctor_with_a_licence()
    {
        var doctor = _net.Stranger("dr-who", KeyRole.Doctor);

        var result = _net.CommitOne(_net.Admin.Client.AddParticipant(doctor.Keys, Profiles.For(KeyRole.Doctor, "dr-who")));

        var profile = _net.Read(doctor, Query.Participant("dr-who")).Participant;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(profile.Role, Is.EqualTo(ParticipantRole.Doctor));
            Assert.That(profile.Status, Is.EqualTo(ParticipantStatus.Active));
            Assert.That(doctor.Client.OpenProfile(profile)!.Doctor.LicenceNumber, Is.EqualTo("GMC-dr-who"));
        }
    }

    [Test]
    public void Patient_cannot_enrol_a_participant()
    {
        var alice = _net.Patient("alice");
        var newcomer = _net.Stranger("mallory");

        var result = _net.CommitOne(alice.Client.AddParticipant(newcomer.Keys, Profiles.For(KeyRole.Patient, "mallory")));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Participant_id_must_be_unique()
    {
        _net.Patient("alice");
        var impostor = _net.Stranger("alice");

        var result = _net.CommitOne(_net.Admin.Client.AddParticipant(impostor.Keys, Profiles.For(KeyRole.Patient, "alice")));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AlreadyExists));
    }

    [Test]
    public void Malformed_keys_are_refused()
    {
        var tx = _net.Admin.Client.AddParticipant("bob", ParticipantRole.Patient, Profiles.For(KeyRole.Patient, "bob"),
            SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey);
        var tampered = Tamper.Edit(_net.Admin, tx, p => p.AddParticipant.SigningPublicKey = ByteString.CopyFrom(new byte[31]));

        var result = _net.CommitOne(tampered);

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void Participant_can_change_their_own_profile()
    {
        var alice = _net.Patient("alice");

        var result = _net.CommitOne(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "Alice Smith" }, [alice.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(alice.Client.OpenProfile(_net.Read(alice, Query.Participant("alice")).Participant)!.Name, Is.EqualTo("Alice Smith"));
        }
    }

    [Test]
    public void Participant_cannot_change_another_participants_profile()
    {
        _net.Patient("alice");
        var bob = _net.Patient("bob");

        var result = _net.CommitOne(bob.Client.UpdateProfile("alice", 2, new Profile { Name = "Not Alice" }, [_net.HolderOf("alice"), bob.Holder]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Admin_can_change_anyones_profile()
    {
        var doctor = _net.Doctor("dr-a");
        var profile = Profiles.For(KeyRole.Doctor, "dr-a");
        profile.Doctor.Specialty = "oncology";

        var result = _net.CommitOne(_net.Admin.Client.UpdateProfile("dr-a", 2, profile, [doctor.Holder, _net.Admin.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(doctor.Client.OpenProfile(_net.Read(doctor, Query.Participant("dr-a")).Participant)!.Doctor.Specialty, Is.EqualTo("oncology"));
        }
    }

    [Test]
    public void Participant_can_replace_their_signing_key_and_the_old_key_stops_working()
    {
        var alice = _net.Patient("alice");
        var newKeys = KeyFile.Generate("alice", KeyRole.Patient);

        var change = _net.CommitOne(alice.Client.ChangeOwnKeys(newKeys.Signing.PublicKey, newKeys.Encryption.PublicKey));
        var withOldKey = _net.CommitOne(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "old key" }, [alice.Holder]));
        var withNewKey = _net.CommitOne(_net.ActorFor(newKeys).Client.UpdateProfile("alice", 2, new Profile { Name = "new key" }, [_net.ActorFor(newKeys).Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(change.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(withOldKey.Code, Is.EqualTo(TxResultCode.BadSignature));
            Assert.That(withNewKey.Code, Is.EqualTo(TxResultCode.Ok));
        }
    }

    [Test]
    public void Admin_cannot_change_another_participants_keys()
    {
        _net.Patient("alice");
        var payload = new TransactionPayload
        {
            ChainId = TestNetwork.ChainId,
            SignerId = _net.Admin.Id,
            Nonce = 1,
            UpdateParticipant = new UpdateParticipant
            {
                ParticipantId = "alice",
                SigningPublicKey = ByteString.CopyFrom(SigningKeyPair.Generate().PublicKey.Bytes),
            },
        };

        var result = _net.CommitOne(Tamper.SignedBy(_net.Admin, payload));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Admin_can_suspend_and_reactivate_a_participant()
    {
        var alice = _net.Patient("alice");

        var suspend = _net.CommitOne(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Suspended));
        var whileSuspended = _net.CommitOne(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "A" }, [alice.Holder]));
        var reactivate = _net.CommitOne(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Active));
        var afterwards = _net.CommitOne(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "A" }, [alice.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(suspend.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(whileSuspended.Code, Is.EqualTo(TxResultCode.ParticipantSuspended));
            Assert.That(reactivate.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(afterwards.Code, Is.EqualTo(TxResultCode.Ok));
        }
    }

    [Test]
    public void Suspended_participant_cannot_submit()
    {
        var alice = _net.Patient("alice");
        _net.ExpectOk(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Suspended));

        var result = _net.CommitOne(alice.Client.CreateMedicalRecord("rec-1").Transaction);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.ParticipantSuspended));
            Assert.That(result.Reason, Does.Contain("suspended"));
        }
    }

    [Test]
    public void A_suspension_earlier_in_the_same_batch_stops_the_signers_later_transactions()
    {
        var alice = _net.Patient("alice");

        // Before the batch alice is active: the signer found then must not be taken for the one
        // the block's state has by the time her transactions come up.
        var results = _net.Commit(
            alice.Client.CreateMedicalRecord("rec-1").Transaction,
            _net.Admin.Client.SetStatus("alice", ParticipantStatus.Suspended),
            alice.Client.CreateMedicalRecord("rec-2").Transaction).Results;

        Assert.That(results.Select(r => r.Code), Is.EqualTo(new[] { TxResultCode.Ok, TxResultCode.Ok, TxResultCode.ParticipantSuspended }));
    }

    [Test]
    public void Suspended_admin_cannot_enrol()
    {
        var deputy = _net.SecondAdmin("deputy");
        _net.ExpectOk(_net.Admin.Client.SetStatus("deputy", ParticipantStatus.Suspended));

        var result = _net.CommitOne(deputy.Client.AddParticipant(_net.Stranger("zoe").Keys, Profiles.For(KeyRole.Patient, "zoe")));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.ParticipantSuspended));
    }

    [Test]
    public void Patient_cannot_suspend_anyone()
    {
        _net.Patient("alice");
        var bob = _net.Patient("bob");

        var result = _net.CommitOne(bob.Client.SetStatus("alice", ParticipantStatus.Suspended));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Participant_cannot_suspend_themselves()
    {
        var bob = _net.Patient("bob");

        var result = _net.CommitOne(bob.Client.SetStatus("bob", ParticipantStatus.Suspended));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Admin_cannot_suspend_themselves()
    {
        var result = _net.CommitOne(_net.Admin.Client.SetStatus(_net.Admin.Id, ParticipantStatus.Suspended));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void Updating_an_unknown_participant_is_not_found()
    {
        var result = _net.CommitOne(_net.Admin.Client.UpdateProfile("nobody", 1, new Profile { Name = "x" }, [_net.Admin.Holder]));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.NotFound));
    }
}
