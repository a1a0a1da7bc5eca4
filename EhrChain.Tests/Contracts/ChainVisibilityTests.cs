using EhrChain.Client;
using EhrChain.Contracts.Queries;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Memory;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

/// <summary>Who sees which transactions of a block, by the rules of the typed queries.</summary>
public sealed class ChainVisibilityTests
{
    private KeyFile _validatorKeys = null!;
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _carol = null!;
    private Actor _drBob = null!;
    private Actor _drEve = null!;
    private Actor _auditor = null!;
    private TestRecord _aliceRecord = null!;

    [SetUp]
    public void SetUp()
    {
        _validatorKeys = KeyFile.Generate("node-0", KeyRole.Validator);
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var validators = new List<GenesisValidator> { new("node-0", "127.0.0.1:7000", _validatorKeys.Signing.PublicKey, _validatorKeys.Encryption.PublicKey) };
        validators.AddRange(Enumerable.Range(1, 3).Select(i => new GenesisValidator($"node-{i}", $"127.0.0.1:{7000 + i}", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey)));
        var genesis = new GenesisFile(TestNetwork.ChainId, TestNetwork.Start, validators,
            new GenesisAdmin(admin.Id, "The Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        _net = TestNetwork.On(new MemoryChainStore(), genesis, admin);
        _alice = _net.Patient("alice");
        _carol = _net.Patient("carol");
        _drBob = _net.Doctor("dr-bob");
        _drEve = _net.Doctor("dr-eve");
        _auditor = _net.Enrol("auditor-1", KeyRole.Auditor);
        _aliceRecord = _net.RecordOf(_alice, "rec-alice", Entries.Allergy("penicillin"));
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    private ChainReader ReaderFor(EhrClient client)
    {
        var request = client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = 1 } });
        using var view = _net.Store.OpenView();
        var verified = ChainReaderVerifier.Verify(view, _net.Genesis, request, _net.Clock.GetUtcNow());
        Assert.That(verified.IsOk, Is.True, verified.Reason);
        return verified.Value!;
    }

    private ChainReader ReaderFor(Actor actor) => ReaderFor(actor.Client);

    /// <summary>The positions of <paramref name="block"/> that <paramref name="reader"/> sees in the state as it is now.</summary>
    private IReadOnlyList<int> Visible(ChainReader reader, Block block)
    {
        using var view = _net.Store.OpenView();
        return new ChainVisibility(view, reader, _net.Clock.GetUtcNow()).VisiblePositions(block);
    }

    /// <summary>One block: enrol a patient, a grant on alice's record to dr-bob, carol's record created and granted to dr-eve.</summary>
    private Block MixedBlock(out TestRecord carolRecord)
    {
        var dave = _net.Stranger("dave");
        var carolCreate = _carol.Client.CreateMedicalRecord("rec-carol");
        carolRecord = new TestRecord(_carol, carolCreate.Keys);
        return _net.Commit(
            _net.Admin.Client.AddParticipant(dave.Keys, Profiles.For(KeyRole.Patient, "dave")),
            _alice.Client.GrantAccess(_aliceRecord.Keys, _drBob.Holder, Permission.Read),
            carolCreate.Transaction,
            _carol.Client.GrantAccess(carolCreate.Keys, _drEve.Holder, Permission.Read));
    }

    [Test]
    public void A_doctor_sees_the_transactions_of_records_he_may_read_and_nothing_of_another_patient()
    {
        var block = MixedBlock(out _);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(ReaderFor(_drBob), block), Is.EqualTo(new[] { 1 }));
            Assert.That(Visible(ReaderFor(_drEve), block), Is.EqualTo(new[] { 2, 3 }));
        }
    }

    [Test]
    public void A_patient_sees_what_she_signed_and_what_touches_her_records()
    {
        var block = MixedBlock(out _);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(ReaderFor(_alice), block), Is.EqualTo(new[] { 1 }));
            Assert.That(Visible(ReaderFor(_carol), block), Is.EqualTo(new[] { 2, 3 }));
        }
    }

    [Test]
    public void An_admin_sees_enrolments_and_what_it_signed_but_no_record_transaction()
    {
        var block = MixedBlock(out _);
        var update = _net.Commit(_drBob.Client.UpdateProfile("dr-bob", 2, Profiles.For(KeyRole.Doctor, "Bob"), [_drBob.Holder]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(ReaderFor(_net.Admin), block), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(ReaderFor(_net.Admin), update), Is.EqualTo(new[] { 0 }));
        }
    }

    [Test]
    public void A_participant_sees_its_own_enrolment_and_updates_signed_by_others()
    {
        var dave = _net.Stranger("dave");
        var enrolment = _net.Commit(_net.Admin.Client.AddParticipant(dave.Keys, Profiles.For(KeyRole.Patient, "dave")));
        var suspension = _net.Commit(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Suspended));
        _net.Commit(_net.Admin.Client.SetStatus("alice", ParticipantStatus.Active));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(ReaderFor(dave), enrolment), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(ReaderFor(_alice), suspension), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(ReaderFor(_carol), suspension), Is.Empty);
        }
    }

    [Test]
    public void An_auditor_and_a_validator_see_every_transaction()
    {
        var block = MixedBlock(out _);
        var validator = ReaderFor(new EhrClient(_validatorKeys, TestNetwork.ChainId, _net.Clock));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(validator.IsValidator, Is.True);
            Assert.That(Visible(validator, block), Is.EqualTo(new[] { 0, 1, 2, 3 }));
            Assert.That(Visible(ReaderFor(_auditor), block), Is.EqualTo(new[] { 0, 1, 2, 3 }));
        }
    }

    [Test]
    public void A_revoked_doctor_no_longer_sees_the_record_not_even_its_past()
    {
        _net.GrantDoctor(_aliceRecord, _drBob);
        var append = _net.Commit(_drBob.Client.AppendEntries(_aliceRecord.Keys, [Entries.Diagnosis("flu")]));
        var reader = ReaderFor(_drBob);
        Assert.That(Visible(reader, append), Is.EqualTo(new[] { 0 }));

        Assert.That(_net.RevokeDoctor(_aliceRecord, _drBob).Code, Is.EqualTo(TxResultCode.Ok));
        var after = _net.Commit(_alice.Client.AppendEntries(_aliceRecord.Keys, [Entries.Note("after")]));

        using (Assert.EnterMultipleScope())
        {
            // What he signed himself stays his to see; the record's other transactions do not.
            Assert.That(Visible(reader, append), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(reader, after), Is.Empty);
        }
    }

    [Test]
    public void An_expired_grant_hides_the_record_by_the_nodes_clock_without_a_transaction()
    {
        _net.GrantDoctor(_aliceRecord, _drBob, Permission.Read, _net.Clock.GetUtcNow().AddHours(1));
        var append = _net.Commit(_alice.Client.AppendEntries(_aliceRecord.Keys, [Entries.Note("before expiry")]));
        var reader = ReaderFor(_drBob);
        Assert.That(Visible(reader, append), Is.EqualTo(new[] { 0 }));

        _net.Clock.Advance(TimeSpan.FromHours(2));

        Assert.That(Visible(reader, append), Is.Empty);
    }

    [Test]
    public void Bytes_that_are_no_transaction_are_shown_to_full_readers_only()
    {
        var block = _net.CommitBytes(_net.Clock.GetUtcNow(), ByteString.CopyFromUtf8("not a transaction"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(ReaderFor(_alice), block), Is.Empty);
            Assert.That(Visible(ReaderFor(_auditor), block), Is.EqualTo(new[] { 0 }));
        }
    }

    [Test]
    public void A_validator_id_signed_with_another_key_is_no_validator()
    {
        var impostor = new EhrClient(KeyFile.Generate("node-0", KeyRole.Validator), TestNetwork.ChainId, _net.Clock);
        var request = impostor.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = 1 } });
        using var view = _net.Store.OpenView();

        var verified = ChainReaderVerifier.Verify(view, _net.Genesis, request, _net.Clock.GetUtcNow());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verified.Status, Is.EqualTo(ReadStatus.InvalidRequest));
            Assert.That(verified.Reason, Does.Contain("not an enrolled participant"));
        }
    }

    [Test]
    public void A_stranger_is_no_chain_reader()
    {
        var request = _net.Stranger("mallory").Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = 1 } });
        using var view = _net.Store.OpenView();

        Assert.That(ChainReaderVerifier.Verify(view, _net.Genesis, request, _net.Clock.GetUtcNow()).Status, Is.EqualTo(ReadStatus.InvalidRequest));
    }

    [Test]
    public void The_visible_transactions_keep_their_ids()
    {
        var block = MixedBlock(out _);
        var ids = TransactionIds.OfBlock(block);

        Assert.That(Visible(ReaderFor(_drBob), block).Select(i => ids[i]), Is.EqualTo(new[] { ids[1] }));
    }
}
