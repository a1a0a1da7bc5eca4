using EhrChain.Consensus;
using EhrChain.Core.Wire;
using EhrChain.Tests.Consensus.Simulation;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus;

[TestFixture]
public sealed class ByzantineInputTests
{
    [Test]
    public void Garbage_and_unknown_senders_are_dropped_and_counted_by_reason()
    {
        var cluster = new SimCluster(seed: 11);
        var replica = cluster.Replica(1)!;
        replica.OnEnvelope(new ConsensusEnvelope { Sender = "nobody", Body = ByteString.CopyFromUtf8("x") });
        replica.OnEnvelope(new ConsensusEnvelope { Sender = cluster.Ids[2], Body = ByteString.CopyFromUtf8("x"), Signature = ByteString.CopyFrom(new byte[64]) });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replica.Drops[DropReason.NotAValidator], Is.EqualTo(1));
            Assert.That(replica.Drops[DropReason.BadSignature], Is.EqualTo(1));
        }
    }

    [Test]
    public void Full_pool_refuses_new_requests_and_duplicates_are_not_pooled_twice()
    {
        var options = SimCluster.DefaultOptions();
        options.PendingPoolCapacity = options.BatchMaxCount;
        var cluster = new SimCluster(seed: 12, options: options);
        cluster.Crash(0);
        var results = Enumerable.Range(0, options.BatchMaxCount + 1).Select(_ => cluster.Submit(1)).ToList();
        var again = cluster.Replica(1)!.Submit(cluster.Submitted[0]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(results.Take(options.BatchMaxCount), Is.All.EqualTo(SubmitResult.Accepted));
            Assert.That(results[^1], Is.EqualTo(SubmitResult.PoolFull));
            Assert.That(again, Is.EqualTo(SubmitResult.Duplicate));
            Assert.That(cluster.Replica(1)!.Submit(ByteString.CopyFromUtf8("not signed")), Is.EqualTo(SubmitResult.Invalid));
        }
    }
}
