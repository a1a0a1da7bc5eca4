using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus;

public sealed class VoteSignerTests
{
    private static readonly SigningKeyPair Key = SigningKeyPair.FromPrivateKey(Enumerable.Repeat((byte)7, 32).ToArray());
    private static readonly ValidatorSet Validators = new(Enumerable.Range(0, 4).Select(i =>
        ($"node-{i}", i == 0 ? Key.PublicKey : SigningKeyPair.FromPrivateKey(Enumerable.Repeat((byte)(20 + i), 32).ToArray()).PublicKey)));
    // NUnit keeps one fixture instance for all its tests: each test gets a fresh store here.
    private MemoryConsensusStore _store = null!;

    [SetUp]
    public void NewStore() => _store = new MemoryConsensusStore();

    private static Hash Digest(byte b) => new(Enumerable.Repeat(b, Hash.Size).ToArray());

    private static PrePrepare Proposal(ulong view, ulong sequence, Hash digest) =>
        new() { View = view, Sequence = sequence, Digest = digest.ToByteString(), Batch = new Batch { TimeUnixMs = 1 } };

    private static Prepare PrepareFor(ulong view, ulong sequence, Hash digest) => new() { View = view, Sequence = sequence, Digest = digest.ToByteString() };

    [Test]
    public void A_vote_is_in_the_store_before_its_signature_exists_and_opens_as_signed()
    {
        var signer = new VoteSigner(_store, "node-0", Key);

        var envelope = signer.SignPrePrepare(Proposal(0, 1, Digest(1)))!;

        var stored = VoteRecord.Parser.ParseFrom(_store.ReadPrefix(VoteSigner.VotePrefix).Single().Value);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((stored.View, stored.Sequence, Hash.FromByteString(stored.Digest)), Is.EqualTo((0UL, 1UL, Digest(1))));
            Assert.That(Envelopes.Open(envelope, Validators, out _, out _)?.PrePrepare.Sequence, Is.EqualTo(1UL));
        }
    }

    [Test]
    public void A_second_digest_for_a_slot_in_the_same_view_is_never_signed_not_even_after_a_restart()
    {
        new VoteSigner(_store, "node-0", Key).SignPrepare(PrepareFor(3, 5, Digest(1)));
        var restarted = new VoteSigner(_store, "node-0", Key);
        restarted.Restore(stableSequence: 0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(restarted.SignPrepare(PrepareFor(3, 5, Digest(2))), Is.Null);
            Assert.That(restarted.SignPrePrepare(Proposal(3, 5, Digest(2))), Is.Null);
            Assert.That(restarted.SignCommit(3, 5, Digest(2), new PreparedProof()), Is.Null);
            Assert.That(restarted.SignPrepare(PrepareFor(2, 5, Digest(1))), Is.Null, "an earlier view than a vote made");
            Assert.That(restarted.SignPrepare(PrepareFor(3, 5, Digest(1))), Is.Not.Null, "the same vote again is no contradiction");
            Assert.That(restarted.SignPrepare(PrepareFor(4, 5, Digest(2))), Is.Not.Null, "a later view may carry another batch");
        }
    }

    [Test]
    public void A_commit_keeps_its_prepared_proof_with_the_vote_and_signs_the_certificate_bytes()
    {
        var signer = new VoteSigner(_store, "node-0", Key);
        var proof = new PreparedProof { PrePrepare = signer.SignPrePrepare(Proposal(0, 2, Digest(9)))! };

        var (_, signature) = signer.SignCommit(0, 2, Digest(9), proof)!.Value;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(signer.Votes[2].Prepared, Is.EqualTo(proof));
            Assert.That(Key.PublicKey.Verify(SigningDomain.ConsensusMessage, ConsensusHashing.CommitBytes(0, 2, Digest(9)), signature.Span), Is.True);
        }
    }

    [Test]
    public void Forgotten_votes_leave_the_store_and_votes_at_or_below_the_stable_checkpoint_are_not_restored()
    {
        var signer = new VoteSigner(_store, "node-0", Key);
        foreach (var sequence in new ulong[] { 1, 2, 3 })
        {
            signer.SignPrepare(PrepareFor(0, sequence, Digest((byte)sequence)));
        }
        signer.Forget(v => v.Sequence == 1);

        var restarted = new VoteSigner(_store, "node-0", Key);
        var restored = restarted.Restore(stableSequence: 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.ReadPrefix(VoteSigner.VotePrefix), Has.Count.EqualTo(2));
            Assert.That(restored.Select(v => v.Sequence), Is.EqualTo(new ulong[] { 3 }));
        }
    }

    [Test]
    public void Only_the_vote_methods_sign_a_vote()
    {
        var signer = new VoteSigner(_store, "node-0", Key);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => signer.SealOther(new ConsensusMessage { Prepare = PrepareFor(0, 1, Digest(1)) }), Throws.InvalidOperationException);
            Assert.That(() => signer.SealOther(new ConsensusMessage { Commit = new Commit { View = 0, Sequence = 1, Digest = ByteString.CopyFrom(new byte[32]) } }), Throws.InvalidOperationException);
            Assert.That(signer.SealOther(new ConsensusMessage { Status = new EhrChain.Core.Wire.Status() }).Signature.Length, Is.EqualTo(64));
            Assert.That(_store.ReadPrefix(VoteSigner.VotePrefix), Is.Empty);
        }
    }
}
