using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Chain;
using EhrChain.Node.Events;
using EhrChain.Node.Metrics;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Node;

/// <summary>
/// A transaction is decoded once on a node: the chain application's check keeps the decoded form
/// with consensus, which hands it back with the committed batch; execution takes it only for the
/// very bytes it was made from.
/// </summary>
public sealed class PreparedTransactionTests
{
    [Test]
    public void The_checked_transaction_is_handed_back_once_and_the_request_stays_known_valid()
    {
        var (application, network) = Chain();
        var verifier = new RequestVerifier(application, capacity: 100);
        var bytes = network.Admin.Client.AddParticipant(network.Stranger("zoe").Keys, Profiles.For(KeyRole.Patient, "zoe")).ToByteString();
        var digest = ConsensusHashing.RequestDigest(bytes);

        var problem = verifier.Check(digest, bytes);
        var first = verifier.TakePrepared(digest);
        var second = verifier.TakePrepared(digest);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(problem, Is.Null);
            Assert.That(first, Is.InstanceOf<DecodedTransaction>());
            Assert.That(((DecodedTransaction)first!).TxId, Is.EqualTo(TransactionIds.OfSignedTransaction(bytes.Span)));
            Assert.That(second, Is.Null, "handed over once, at execution");
            Assert.That(verifier.IsKnownValid(digest), Is.True);
        }
    }

    [Test]
    public void Bytes_that_are_no_transaction_are_refused_and_nothing_is_kept()
    {
        var (application, _) = Chain();
        var verifier = new RequestVerifier(application, capacity: 100);
        var junk = ByteString.CopyFromUtf8("not a transaction");
        var digest = ConsensusHashing.RequestDigest(junk);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(verifier.Check(digest, junk), Is.Not.Null);
            Assert.That(verifier.TakePrepared(digest), Is.Null);
            Assert.That(verifier.IsKnownValid(digest), Is.False);
        }
    }

    [Test]
    public void Execution_takes_a_prepared_transaction_only_for_the_bytes_it_was_made_from()
    {
        var (_, network) = Chain();
        var zoe = network.Admin.Client.AddParticipant(network.Stranger("zoe").Keys, Profiles.For(KeyRole.Patient, "zoe")).ToByteString();
        var other = network.Admin.Client.AddParticipant(network.Stranger("yan").Keys, Profiles.For(KeyRole.Patient, "yan")).ToByteString();
        // A prepared object that does not match the ordered bytes (a bug, or an eviction race) must not be executed in their place.
        var batch = new CommittedBatch(1, 0, "node-0", network.Clock.GetUtcNow().ToUnixTimeMilliseconds(), [zoe], new CommitCertificate { Sequence = 1 })
        {
            Prepared = [DecodedTransaction.Decode(other)],
        };

        var commit = network.Producer.Produce(batch);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(commit.TxIds.Single(), Is.EqualTo(TransactionIds.OfSignedTransaction(zoe.Span)));
            Assert.That(commit.Block.Results.Single().Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(network.Store.FindTransaction(TransactionIds.OfSignedTransaction(other.Span)), Is.Null);
        }
    }

    private static (ChainApplication Application, TestNetwork Network) Chain()
    {
        var network = TestNetwork.InMemory();
        var application = new ChainApplication(network.Store, network.Producer, network.Genesis, new ChainEvents(), new NodeMetrics(), new AdmissionClock(network.Clock), 1 << 20);
        return (application, network);
    }
}
