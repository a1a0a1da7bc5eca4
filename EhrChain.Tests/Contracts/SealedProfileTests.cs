using System.Text;
using EhrChain.Client;
using EhrChain.Contracts.Execution;
using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

/// <summary>Profiles are sealed on the client: the chain holds ciphertext and sealed keys, and only the readers the owner chose can open them.</summary>
public sealed class SealedProfileTests
{
    private TestNetwork _net = null!;

    [SetUp]
    public void SetUp() => _net = TestNetwork.InMemory();

    [TearDown]
    public void TearDown() => _net.Dispose();

    private ParticipantProfile ProfileAs(Actor reader, string participantId) => _net.Read(reader, Query.Participant(participantId)).Participant;

    private Participant Stored(string participantId)
    {
        using var view = _net.Store.OpenView();
        return new EhrState(view).Participant(participantId)!;
    }

    private byte[] ProfileKeyOf(Actor owner) => owner.Client.OpenProfileKey(ProfileAs(owner, owner.Id))!;

    [Test]
    public void The_stored_participant_holds_no_profile_field_in_clear()
    {
        var doctor = _net.Stranger("dr-who", KeyRole.Doctor);
        _net.ExpectOk(_net.Admin.Client.AddParticipant(doctor.Keys, new Profile
        {
            Name = "Dr Zebulon Quartermain",
            Doctor = new DoctorProfile { LicenceNumber = "GMC-998877", Specialty = "Nephrology", Organisation = "Hospital of Saint Quux" },
        }));

        var stored = Stored("dr-who").ToByteArray();
        var text = Encoding.UTF8.GetString(stored);

        using (Assert.EnterMultipleScope())
        {
            foreach (var clear in new[] { "Zebulon", "GMC-998877", "Nephrology", "Saint Quux" })
            {
                Assert.That(text, Does.Not.Contain(clear));
            }
            Assert.That(doctor.Client.OpenProfile(ProfileAs(doctor, "dr-who"))!.Doctor.LicenceNumber, Is.EqualTo("GMC-998877"));
        }
    }

    [Test]
    public void The_participant_and_the_enrolling_admin_can_read_the_profile_and_another_participant_cannot()
    {
        var alice = _net.Patient("alice");
        var bob = _net.Patient("bob");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(alice.Client.OpenProfile(ProfileAs(alice, "alice"))!.Name, Is.EqualTo("alice"));
            Assert.That(_net.Admin.Client.OpenProfile(ProfileAs(_net.Admin, "alice"))!.Name, Is.EqualTo("alice"));
            Assert.That(bob.Client.OpenProfile(ProfileAs(bob, "alice")), Is.Null);
            Assert.That(ProfileAs(bob, "alice").SealedProfile.Readers, Is.Empty, "bob learns nobody's reader key");
        }
    }

    [Test]
    public void Only_the_participant_and_an_admin_see_who_else_reads_a_profile()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var drCarol = _net.Doctor("dr-carol");
        var record = _net.RecordOf(alice, "rec-1");
        _net.ExpectOk(alice.Client.GrantAccess(record.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));
        _net.ExpectOk(alice.Client.GrantAccess(record.Keys, drCarol.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProfileAs(alice, "alice").SealedProfile.Readers.Select(r => r.ReaderId), Is.EquivalentTo(new[] { "alice", _net.Admin.Id, "dr-bob", "dr-carol" }));
            Assert.That(ProfileAs(_net.Admin, "alice").SealedProfile.Readers, Has.Count.EqualTo(4));
            Assert.That(ProfileAs(drBob, "alice").SealedProfile.Readers.Select(r => r.ReaderId), Is.EqualTo(new[] { "dr-bob" }));
        }
    }

    [Test]
    public void A_grant_with_the_profile_key_lets_the_doctor_read_the_patients_name_until_the_revocation()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var record = _net.RecordOf(alice, "rec-1");

        var before = drBob.Client.OpenProfile(ProfileAs(drBob, "alice"));
        _net.ExpectOk(alice.Client.GrantAccess(record.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));
        var whileGranted = drBob.Client.OpenProfile(ProfileAs(drBob, "alice"));
        var revocation = _net.RevokeDoctor(record, drBob);
        var afterRevocation = ProfileAs(drBob, "alice");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before, Is.Null);
            Assert.That(whileGranted!.Name, Is.EqualTo("alice"));
            Assert.That(revocation.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(afterRevocation.SealedProfile.Readers, Is.Empty);
            Assert.That(drBob.Client.OpenProfile(afterRevocation), Is.Null);
        }
    }

    [Test]
    public void A_revocation_keeps_sharing_while_the_doctor_holds_a_live_grant_on_another_record_of_the_patient()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var first = _net.RecordOf(alice, "rec-1");
        var second = _net.RecordOf(alice, "rec-2");
        _net.ExpectOk(alice.Client.GrantAccess(first.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));
        _net.ExpectOk(alice.Client.GrantAccess(second.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));

        _net.RevokeDoctor(first, drBob);

        Assert.That(drBob.Client.OpenProfile(ProfileAs(drBob, "alice"))!.Name, Is.EqualTo("alice"));
    }

    [Test]
    public void A_new_profile_version_is_under_a_fresh_key_that_a_dropped_reader_cannot_open()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var record = _net.RecordOf(alice, "rec-1");
        _net.ExpectOk(alice.Client.GrantAccess(record.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice)));
        var keptByBob = drBob.Client.OpenProfileKey(ProfileAs(drBob, "alice"))!;
        _net.RevokeDoctor(record, drBob);

        _net.ExpectOk(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "Alice Newname" }, [alice.Holder, _net.Admin.Holder]));
        var current = ProfileAs(alice, "alice");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(alice.Client.OpenProfile(current)!.Name, Is.EqualTo("Alice Newname"));
            Assert.That(ProfileSeal.Open("alice", current.SealedProfile, keptByBob), Is.Null, "the key bob kept opens only the old version");
        }
    }

    [Test]
    public void A_profile_copied_onto_another_participant_or_version_does_not_decrypt()
    {
        var key = ContentCipher.GenerateKey();
        var sealedProfile = ProfileSeal.Seal("alice", 1, new Profile { Name = "Alice" }, key, []);
        var asBob = sealedProfile.Clone();
        var asNextVersion = sealedProfile.Clone();
        asNextVersion.Version = 2;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProfileSeal.Open("alice", sealedProfile, key)!.Name, Is.EqualTo("Alice"));
            Assert.That(ProfileSeal.Open("bob", asBob, key), Is.Null);
            Assert.That(ProfileSeal.Open("alice", asNextVersion, key), Is.Null);
        }
    }

    [Test]
    public void A_short_and_a_long_name_give_ciphertexts_of_the_same_length()
    {
        var key = ContentCipher.GenerateKey();
        var shortName = ProfileSeal.Seal("p-1", 1, new Profile { Name = "Al" }, key, []);
        var longName = ProfileSeal.Seal("p-1", 1, new Profile { Name = "Bartholomew Fitzwilliam-Okonkwo" }, key, []);
        var longer = ProfileSeal.Seal("p-1", 1, new Profile { Name = new string('x', 70) }, key, []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(longName.Ciphertext.Length, Is.EqualTo(shortName.Ciphertext.Length));
            Assert.That(longer.Ciphertext.Length, Is.EqualTo(shortName.Ciphertext.Length + ProfileSeal.PaddingBlock), "lengths come in steps of the padding block");
            Assert.That(ProfileSeal.Open("p-1", longName, key), Is.EqualTo(new Profile { Name = "Bartholomew Fitzwilliam-Okonkwo" }), "the padding is gone once opened");
        }
    }

    [Test]
    public void Enrolment_without_a_sealed_profile_is_refused()
    {
        var bob = _net.Stranger("bob");
        var tx = Tamper.Edit(_net.Admin, _net.Admin.Client.AddParticipant(bob.Keys, new Profile { Name = "Bob" }), p => p.AddParticipant.SealedProfile = null);

        Assert.That(_net.CommitOne(tx).Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [TestCase("no-self")]
    [TestCase("no-admin")]
    [TestCase("unknown-reader")]
    [TestCase("reader-twice")]
    [TestCase("bad-sealed-key")]
    [TestCase("empty-ciphertext")]
    [TestCase("oversize-ciphertext")]
    [TestCase("version-2")]
    [TestCase("too-many-readers")]
    public void Enrolment_with_a_malformed_sealed_profile_is_refused_and_the_reason_names_no_one(string fault)
    {
        var bob = _net.Stranger("bob");
        var tx = Tamper.Edit(_net.Admin, _net.Admin.Client.AddParticipant(bob.Keys, new Profile { Name = "Bob" }), p =>
        {
            var sealedProfile = p.AddParticipant.SealedProfile;
            var bobKey = sealedProfile.Readers.Single(r => r.ReaderId == "bob");
            switch (fault)
            {
                case "no-self": sealedProfile.Readers.Remove(bobKey); break;
                case "no-admin": sealedProfile.Readers.Remove(sealedProfile.Readers.Single(r => r.ReaderId == _net.Admin.Id)); break;
                case "unknown-reader": sealedProfile.Readers.Add(new ReaderKey { ReaderId = "nobody", SealedKey = bobKey.SealedKey }); break;
                case "reader-twice": sealedProfile.Readers.Add(bobKey.Clone()); break;
                case "bad-sealed-key": bobKey.SealedKey = ByteString.CopyFrom(new byte[5]); break;
                case "empty-ciphertext": sealedProfile.Ciphertext = ByteString.Empty; break;
                case "oversize-ciphertext": sealedProfile.Ciphertext = ByteString.CopyFrom(new byte[ActionValidation.MaxProfileCiphertextBytes + 1]); break;
                case "version-2": sealedProfile.Version = 2; break;
                case "too-many-readers":
                    for (var i = 0; i < ActionValidation.MaxProfileReaders; i++)
                    {
                        sealedProfile.Readers.Add(new ReaderKey { ReaderId = _net.Admin.Id + i, SealedKey = bobKey.SealedKey });
                    }
                    break;
            }
        });

        var result = _net.CommitOne(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(result.Reason, Does.Not.Contain("bob").And.Not.Contain(_net.Admin.Id).And.Not.Contain("nobody"));
            Assert.That(_net.HasParticipant("bob"), Is.False);
        }
    }

    [Test]
    public void An_update_must_carry_the_next_version()
    {
        var alice = _net.Patient("alice");

        var sameVersion = _net.CommitOne(alice.Client.UpdateProfile("alice", 1, new Profile { Name = "Replay" }, [alice.Holder]));
        var nextVersion = _net.CommitOne(alice.Client.UpdateProfile("alice", 2, new Profile { Name = "Next" }, [alice.Holder]));
        var skipped = _net.CommitOne(alice.Client.UpdateProfile("alice", 4, new Profile { Name = "Skip" }, [alice.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(sameVersion.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(nextVersion.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(skipped.Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }

    [Test]
    public void A_profile_key_in_a_grant_must_be_sealed_for_that_grantee()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var drCarol = _net.Doctor("dr-carol");
        var record = _net.RecordOf(alice, "rec-1");
        var grant = alice.Client.GrantAccess(record.Keys, drBob.Holder, Permission.Read, profileKey: ProfileKeyOf(alice));
        var toCarol = Tamper.Edit(alice, grant, p => p.GrantAccess.ProfileKey.ReaderId = "dr-carol");

        var result = _net.CommitOne(toCarol);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(ProfileAs(alice, "alice").SealedProfile.Readers.Select(r => r.ReaderId), Does.Not.Contain("dr-carol"));
            Assert.That(drCarol.Client.OpenProfile(ProfileAs(drCarol, "alice")), Is.Null);
        }
    }

    [Test]
    public void The_genesis_admin_has_no_profile_on_the_chain_until_they_seal_one()
    {
        var before = ProfileAs(_net.Admin, _net.Admin.Id);

        var result = _net.CommitOne(_net.Admin.Client.UpdateProfile(_net.Admin.Id, 1, new Profile { Name = "Network Admin" }, [_net.Admin.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.SealedProfile, Is.Null);
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.Admin.Client.OpenProfile(ProfileAs(_net.Admin, _net.Admin.Id))!.Name, Is.EqualTo("Network Admin"));
        }
    }

    [Test]
    public void Refusal_reasons_stored_in_blocks_name_no_participant_and_no_record()
    {
        var alice = _net.Patient("alice");
        var drBob = _net.Doctor("dr-bob");
        var labCity = _net.Laboratory("lab-city");
        var mallory = _net.Stranger("mallory");
        var drRead = _net.Doctor("dr-read");
        var drGone = _net.Doctor("dr-gone");
        var record = _net.RecordOf(alice, "rec-1");
        _net.GrantLab(record, labCity);
        _net.GrantDoctor(record, drRead, Permission.Read);
        _net.ExpectOk(_net.Admin.Client.SetStatus("dr-gone", ParticipantStatus.Suspended));

        var refused = new[]
        {
            drRead.Client.AppendEntries(record.Keys, [Entries.Note("read-only")]),
            alice.Client.GrantAccess(record.Keys, drGone.Holder, Permission.Read),
            alice.Client.GrantAccess(record.Keys, new KeyHolder("mallory", mallory.Holder.EncryptionKey), Permission.Read),
            alice.Client.RevokeAccess(record.Keys, "mallory", []).Transaction,
            _net.Admin.Client.SetStatus("mallory", ParticipantStatus.Suspended),
            mallory.Client.CreateMedicalRecord("rec-m").Transaction,
            drBob.Client.AppendEntries(RecordKeyRing.FromKey("rec-1", 0, ContentCipher.GenerateKey()), [Entries.Note("x")]),
            labCity.Client.AppendEntries(record.Keys, [Entries.Note("not a lab result")]),
            drBob.Client.GrantAccess(record.Keys, labCity.Holder, Permission.Read),
            alice.Client.GrantAccessToLab(record.Keys, drBob.Holder),
            alice.Client.RevokeAccess(record.Keys, "dr-bob", []).Transaction,
            alice.Client.RevokeAccessFromLab(record.Keys, "lab-city", [drBob.Holder]).Transaction,
            alice.Client.CreateMedicalRecord("rec-1").Transaction,
            _net.Admin.Client.AddParticipant(alice.Keys, new Profile { Name = "again" }),
            drBob.Client.UpdateProfile("alice", 2, new Profile { Name = "x" }, [alice.Holder]),
            Tamper.Edit(drBob, drBob.Client.CreateMedicalRecord("rec-x").Transaction, p => p.SignerId = "alice"),
        };
        var block = _net.Commit(refused);

        var names = new[] { "alice", "dr-bob", "dr-read", "dr-gone", "lab-city", "mallory", "rec-1", "rec-m", "rec-x", _net.Admin.Id };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(block.Results.Select(r => r.Code), Has.None.EqualTo(TxResultCode.Ok));
            foreach (var result in block.Results)
            {
                Assert.That(names.Where(n => result.Reason.Contains(n, StringComparison.Ordinal)), Is.Empty, result.Reason);
            }
        }
    }
}
