using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus;

[TestFixture]
public sealed class CommitCertificateTests
{
    private static readonly SigningKeyPair[] Keys = Enumerable.Range(0, 4).Select(_ => SigningKeyPair.Generate()).ToArray();
    private static readonly ValidatorSet Validators = new(Keys.Select((k, i) => ($"v{i}", k.PublicKey)));
    private static readonly ByteString[] Requests = [ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("bc")];

    [Test]
    public void Batch_digest_is_recomputable_from_block_contents_and_binds_time_and_boundaries()
    {
        var digest = ConsensusHashing.BatchDigest(1000, Requests);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ConsensusHashing.BatchDigest(1000, [ByteString.CopyFromUtf8("a"), ByteString.CopyFromUtf8("bc")]), Is.EqualTo(digest));
            Assert.That(ConsensusHashing.BatchDigest(1001, Requests), Is.Not.EqualTo(digest));
            Assert.That(ConsensusHashing.BatchDigest(1000, [ByteString.CopyFromUtf8("ab"), ByteString.CopyFromUtf8("c")]), Is.Not.EqualTo(digest));
            Assert.That(ConsensusHashing.BatchDigest(1000, []), Is.Not.EqualTo(ConsensusHashing.BatchDigest(1001, [])));
        }
    }

    [Test]
    public void Batch_digest_from_the_request_digests_alone_equals_the_one_from_the_requests()
    {
        var digests = Requests.Select(r => Hash.Compute(r.Span)).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ConsensusHashing.BatchDigestOfDigests(1000, digests), Is.EqualTo(ConsensusHashing.BatchDigest(1000, Requests)));
            Assert.That(ConsensusHashing.BatchDigestOfDigests(1000, digests.Reverse().ToArray()), Is.Not.EqualTo(ConsensusHashing.BatchDigest(1000, Requests)));
        }
    }

    [Test]
    public void Certificate_with_a_quorum_of_commit_signatures_verifies()
    {
        var certificate = Certify(view: 2, sequence: 7, signers: 3);
        Assert.That(CommitCertificates.Verify(certificate, Validators, 7, 1000, Requests, out var reason), Is.True, reason);
    }

    [Test]
    public void Certificate_is_refused_when_short_forged_repeated_or_for_another_batch()
    {
        var digest = ConsensusHashing.BatchDigest(1000, Requests);
        var tooFew = Certify(2, 7, signers: 2);
        var repeated = Certify(2, 7, signers: 2);
        repeated.Commits.Add(repeated.Commits[0]);
        var forged = Certify(2, 7, signers: 3);
        forged.Commits[1].Signature = forged.Commits[0].Signature;
        var stranger = Certify(2, 7, signers: 3);
        stranger.Commits[2].ValidatorId = "intruder";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(CommitCertificates.Verify(tooFew, Validators, 7, digest, out _), Is.False);
            Assert.That(CommitCertificates.Verify(repeated, Validators, 7, digest, out _), Is.False);
            Assert.That(CommitCertificates.Verify(forged, Validators, 7, digest, out _), Is.False);
            Assert.That(CommitCertificates.Verify(stranger, Validators, 7, digest, out _), Is.False);
            Assert.That(CommitCertificates.Verify(Certify(2, 7, 3), Validators, 8, digest, out _), Is.False);
            Assert.That(CommitCertificates.Verify(Certify(2, 7, 3), Validators, 7, 1001, Requests, out _), Is.False);
        }
    }

    [Test]
    public void Options_with_a_window_smaller_than_two_checkpoints_are_refused()
    {
        var options = new ConsensusOptions { CheckpointInterval = 50, WindowSize = 60 };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(options.Validate(), Has.Some.Contains("WindowSize"));
            Assert.That(new ConsensusOptions().Validate(), Is.Empty);
            Assert.That(options.EnsureValid, Throws.ArgumentException);
        }
    }

    private static CommitCertificate Certify(ulong view, ulong sequence, int signers)
    {
        var digest = ConsensusHashing.BatchDigest(1000, Requests);
        var certificate = new CommitCertificate { View = view, Sequence = sequence, BatchDigest = digest.ToByteString() };
        for (var i = 0; i < signers; i++)
        {
            var signature = Keys[i].Sign(SigningDomain.ConsensusMessage, ConsensusHashing.CommitBytes(view, sequence, digest));
            certificate.Commits.Add(new CommitSignature { ValidatorId = $"v{i}", Signature = ByteString.CopyFrom(signature) });
        }
        return certificate;
    }
}
