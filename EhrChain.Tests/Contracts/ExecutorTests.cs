using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class ExecutorTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.InMemory();
        _alice = _net.Patient("alice");
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    [Test]
    public void Rejected_transaction_stays_in_its_block_with_a_reason_and_changes_nothing()
    {
        var intruder = _net.Doctor("dr-x");
        var good = _alice.Client.CreateMedicalRecord("rec-1").Transaction;
        var bad = intruder.Client.CreateMedicalRecord("rec-2").Transaction;

        var block = _net.Commit(bad, good);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(block.Transactions, Has.Count.EqualTo(2));
            Assert.That(block.Results.Select(r => r.Code), Is.EqualTo(new List<TxResultCode> { TxResultCode.AccessDenied, TxResultCode.Ok }));
            Assert.That(block.Results[0].Reason, Is.Not.Empty);
            Assert.That(new EhrState(_net.Store).Record("rec-2"), Is.Null);
            Assert.That(_net.Store.FindTransaction(Hash.Compute(bad.Payload.Span))!.Code, Is.EqualTo(TxResultCode.AccessDenied));
        }
    }

    [Test]
    public void Bytes_that_are_not_a_transaction_are_malformed()
    {
        var block = _net.CommitBytes(_net.Clock.GetUtcNow(), ByteString.CopyFromUtf8("garbage from a faulty primary"), ByteString.Empty);

        Assert.That(block.Results.Select(r => r.Code), Is.All.EqualTo(TxResultCode.Malformed));
    }

    [Test]
    public void Every_transaction_is_indexed_under_its_id_whether_or_not_it_decodes()
    {
        var good = _alice.Client.CreateMedicalRecord("rec-1").Transaction.ToByteString();
        var garbage = ByteString.CopyFromUtf8("garbage from a faulty primary");
        var noPayload = new SignedTransaction { Signature = ByteString.CopyFrom(new byte[64]) }.ToByteString();
        var badPayload = new SignedTransaction { Payload = ByteString.CopyFromUtf8("not a payload"), Signature = ByteString.CopyFrom(new byte[64]) }.ToByteString();

        var block = _net.CommitBytes(_net.Clock.GetUtcNow(), good, garbage, noPayload, badPayload);

        var located = new[] { good, garbage, noPayload, badPayload }
            .Select(bytes => _net.Store.FindTransaction(TransactionIds.OfSignedTransaction(bytes.Span)))
            .Select(location => location is null ? "missing" : $"{location.Height}/{location.Position}/{location.Code}")
            .ToList();
        var height = block.Header.Height;
        Assert.That(located, Is.EqualTo(new[]
        {
            $"{height}/0/{TxResultCode.Ok}",
            $"{height}/1/{TxResultCode.Malformed}",
            $"{height}/2/{TxResultCode.Malformed}",
            $"{height}/3/{TxResultCode.Malformed}",
        }));
    }

    [Test]
    public void Transaction_without_an_action_is_malformed()
    {
        var tx = Tamper.Edit(_alice, _alice.Client.UpdateProfile("alice", 2, new Profile { Name = "A" }, [_alice.Holder]), p => p.ClearAction());

        Assert.That(_net.CommitOne(tx).Code, Is.EqualTo(TxResultCode.Malformed));
    }

    [Test]
    public void Transaction_for_another_chain_is_refused()
    {
        var tx = Tamper.Edit(_alice, _alice.Client.CreateMedicalRecord("rec-1").Transaction, p => p.ChainId = "other-chain");

        Assert.That(_net.CommitOne(tx).Code, Is.EqualTo(TxResultCode.WrongChain));
    }

    [Test]
    public void Transaction_from_an_unknown_signer_is_refused()
    {
        var stranger = _net.Stranger("mallory");

        Assert.That(_net.CommitOne(stranger.Client.CreateMedicalRecord("rec-1").Transaction).Code, Is.EqualTo(TxResultCode.UnknownSigner));
    }

    [Test]
    public void Forged_signature_is_refused()
    {
        var mallory = _net.Patient("mallory");
        var forged = Tamper.Edit(mallory, mallory.Client.CreateMedicalRecord("rec-1").Transaction, p => p.SignerId = "alice");

        Assert.That(_net.CommitOne(forged).Code, Is.EqualTo(TxResultCode.BadSignature));
    }

    [Test]
    public void Duplicate_within_one_batch_is_refused()
    {
        var tx = _alice.Client.UpdateProfile("alice", 2, new Profile { Name = "Alice" }, [_alice.Holder]);

        var block = _net.Commit(tx, tx);

        Assert.That(block.Results.Select(r => r.Code), Is.EqualTo(new List<TxResultCode> { TxResultCode.Ok, TxResultCode.DuplicateTx }));
    }

    [Test]
    public void Replay_of_a_transaction_from_an_earlier_block_is_refused()
    {
        var tx = _alice.Client.UpdateProfile("alice", 2, new Profile { Name = "Alice" }, [_alice.Holder]);
        _net.ExpectOk(tx);

        Assert.That(_net.CommitOne(tx).Code, Is.EqualTo(TxResultCode.DuplicateTx));
    }

    [Test]
    public void Later_transactions_in_a_batch_see_the_earlier_ones()
    {
        var bob = _net.Stranger("bob");
        var enrol = _net.Admin.Client.AddParticipant(bob.Keys, Profiles.For(KeyRole.Patient, "bob"));
        var create = bob.Client.CreateMedicalRecord("rec-b", [Entries.Note("first")]);
        var append = bob.Client.AppendEntries(create.Keys, [Entries.Note("second")]);

        var block = _net.Commit(enrol, create.Transaction, append);

        var record = new TestRecord(bob, create.Keys);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(block.Results.Select(r => r.Code), Is.All.EqualTo(TxResultCode.Ok));
            Assert.That(_net.DecryptedTexts(bob, record), Is.EqualTo(new List<string> { "first", "second" }));
        }
    }

    [Test]
    public void Key_changed_earlier_in_a_batch_is_the_key_later_transactions_are_checked_against()
    {
        var newKeys = KeyFile.Generate("alice", KeyRole.Patient);
        var change = _alice.Client.ChangeOwnKeys(newKeys.Signing.PublicKey, null);
        var withOldKey = _alice.Client.UpdateProfile("alice", 2, new Profile { Name = "old" }, [_alice.Holder]);
        var withNewKey = _net.ActorFor(newKeys).Client.UpdateProfile("alice", 2, new Profile { Name = "new" }, [_alice.Holder]);

        var block = _net.Commit(change, withOldKey, withNewKey);

        Assert.That(block.Results.Select(r => r.Code), Is.EqualTo(new List<TxResultCode> { TxResultCode.Ok, TxResultCode.BadSignature, TxResultCode.Ok }));
    }

    [Test]
    public void Block_links_to_the_head_and_its_roots_verify()
    {
        var previous = _net.Store.GetBlock(_net.Store.Head!.Value.Height)!;
        var block = _net.Commit(_alice.Client.CreateMedicalRecord("rec-1", [Entries.Note("n")]).Transaction);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(block.Header.PrevHash, Is.EqualTo(BlockHashing.HeaderHash(previous.Header).ToByteString()));
            Assert.That(block.Header.TxRoot, Is.EqualTo(BlockHashing.TxRoot(block).ToByteString()));
            Assert.That(block.Header.ResultsRoot, Is.EqualTo(BlockHashing.ResultsRoot(block).ToByteString()));
            Assert.That(block.Header.StateRoot, Is.Not.EqualTo(previous.Header.StateRoot));
            Assert.That(block.Certificate, Is.Not.Null);
            Assert.That(ChainVerifier.Verify(_net.Store).IsValid, Is.True);
        }
    }

    [Test]
    public void Block_of_only_rejected_transactions_chains_the_state_root_of_no_writes()
    {
        var previous = _net.Store.GetBlock(_net.Store.Head!.Value.Height)!;
        var block = _net.CommitBytes(_net.Clock.GetUtcNow(), ByteString.CopyFromUtf8("junk"));

        var expected = new EhrChain.Storage.StateWriteSet().NextStateRoot(Hash.FromByteString(previous.Header.StateRoot));
        Assert.That(block.Header.StateRoot, Is.EqualTo(expected.ToByteString()));
    }
}
