using EhrChain.Consensus;
using EhrChain.Tests.Consensus.Simulation;

namespace EhrChain.Tests.Consensus;

/// <summary>The named scenarios of the PBFT engine, each a deterministic simulated run.</summary>
[TestFixture]
public sealed class ConsensusScenarioTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(60);

    [Test]
    public void Normal_flow_commits_every_request_once_on_every_replica()
    {
        var cluster = new SimCluster(seed: 1);
        for (var i = 0; i < 200; i++)
        {
            cluster.Submit(i % cluster.Size);
            cluster.RunFor(TimeSpan.FromMilliseconds(cluster.Random.Next(0, 5)));
        }
        AssertConverges(cluster);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Monitor.Height, Is.GreaterThan(0UL));
            Assert.That(Enumerable.Range(0, cluster.Size).Select(i => cluster.Replica(i)!.View), Is.All.EqualTo(0UL), "no view change was needed");
            Assert.That(cluster.Applications[0].Chain.Sum(b => b.Requests.Count), Is.EqualTo(200));
        }
    }

    [Test]
    public void Idle_cluster_orders_no_batch()
    {
        var cluster = new SimCluster(seed: 2);
        cluster.RunFor(TimeSpan.FromSeconds(10));
        Assert.That(cluster.Monitor.Height, Is.EqualTo(0UL));
    }

    [Test]
    public void A_lone_request_on_an_idle_cluster_is_not_held_for_the_linger()
    {
        var options = SimCluster.DefaultOptions();
        options.BatchLinger = TimeSpan.FromSeconds(1);
        var cluster = new SimCluster(seed: 7, options: options);

        cluster.Submit(0);

        Assert.That(cluster.RunUntil(() => cluster.Monitor.Height >= 1, TimeSpan.FromMilliseconds(300)), Is.True, cluster.Describe());
    }

    [Test]
    public void Requests_that_arrive_while_a_batch_is_ordered_gather_into_the_next_one()
    {
        var options = SimCluster.DefaultOptions();
        options.BatchLinger = TimeSpan.FromSeconds(1);
        options.BatchMaxCount = 100;
        var cluster = new SimCluster(seed: 8, options: options);

        cluster.Submit(0);
        for (var i = 0; i < 40; i++)
        {
            cluster.Submit(0);
        }

        AssertConverges(cluster);
        var blocks = cluster.Applications[0].Chain;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(blocks.Sum(b => b.Requests.Count), Is.EqualTo(41));
            Assert.That(blocks[0].Requests, Has.Count.EqualTo(1), "the first went out alone, at once");
            Assert.That(blocks.Select(b => b.Requests.Count).ToList(), Has.Count.EqualTo(2), "the other forty waited for it and went out together");
        }
    }

    [Test]
    public void Primary_crashing_under_load_is_replaced_and_no_request_is_lost()
    {
        var cluster = new SimCluster(seed: 3);
        for (var i = 0; i < 300; i++)
        {
            cluster.Submit(1 + i % 3);
            if (i == 120)
            {
                cluster.Crash(0);
            }
            cluster.RunFor(TimeSpan.FromMilliseconds(2));
        }
        AssertConverges(cluster);
        Assert.That(cluster.Replica(1)!.View, Is.GreaterThan(0UL));
        cluster.Restart(0);
        AssertConverges(cluster);
    }

    [Test]
    public void Equivocating_primary_is_replaced_without_a_fork()
    {
        var cluster = new SimCluster(seed: 4);
        cluster.MakeByzantine(0, Byzantine.EquivocatingPrimary);
        for (var i = 0; i < 100; i++)
        {
            cluster.Submit(1 + i % 3);
            cluster.RunFor(TimeSpan.FromMilliseconds(3));
        }
        AssertConverges(cluster);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Replica(1)!.View, Is.GreaterThan(0UL));
            Assert.That(Enumerable.Range(1, 3).Sum(i => cluster.Replica(i)!.Drops[DropReason.Equivocation]), Is.GreaterThan(0));
        }
    }

    [Test]
    public void Replica_partitioned_away_catches_up_after_a_thousand_batches()
    {
        var options = SimCluster.DefaultOptions();
        options.BatchMaxCount = 1;
        options.BatchLinger = TimeSpan.Zero;
        var cluster = new SimCluster(seed: 5, options: options);
        cluster.Network.Isolate(cluster.Ids[3]);
        for (var i = 0; i < 1000; i++)
        {
            cluster.Submit(i % 3);
            cluster.RunFor(TimeSpan.FromMilliseconds(1));
        }
        Assert.That(cluster.RunUntil(() => cluster.Monitor.Height >= 1000, Settle), Is.True, cluster.Describe());
        Assert.That(cluster.Applications[3].LastExecuted.Sequence, Is.Zero);
        cluster.Network.Heal();
        AssertConverges(cluster);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Applications[3].LastExecuted.Sequence, Is.GreaterThanOrEqualTo(1000UL));
            Assert.That(cluster.Applications[3].Chain.Select(b => b.Certificate.BatchDigest), Is.EqualTo(cluster.Applications[0].Chain.Select(b => b.Certificate.BatchDigest)));
        }
    }

    [Test]
    public void Two_view_changes_in_a_row_reach_the_third_primary()
    {
        var cluster = new SimCluster(seed: 6);
        cluster.Crash(0);
        for (var i = 0; i < 20; i++)
        {
            cluster.Submit(1 + i % 3);
        }
        // The primary of view 1 fails right after asking for view 1, so view 1 never starts
        // and the others must move on to view 2.
        Assert.That(cluster.RunUntil(() => !cluster.Replica(1)!.ViewActive, Settle), Is.True, cluster.Describe());
        cluster.Crash(1);
        cluster.Restart(0);
        AssertConverges(cluster);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Replica(2)!.View, Is.EqualTo(2UL));
            Assert.That(cluster.Replica(2)!.IsPrimary, Is.True);
        }
        cluster.Restart(1);
        AssertConverges(cluster);
    }

    [Test]
    public void Restart_in_the_middle_of_a_view_change_completes_it()
    {
        var cluster = new SimCluster(seed: 7);
        for (var i = 0; i < 30; i++)
        {
            cluster.Submit(1 + i % 3);
            cluster.RunFor(TimeSpan.FromMilliseconds(2));
        }
        cluster.Crash(0);
        for (var i = 0; i < 10; i++)
        {
            cluster.Submit(1 + i % 3);
        }
        Assert.That(cluster.RunUntil(() => !cluster.Replica(2)!.ViewActive, Settle), Is.True, cluster.Describe());
        cluster.Crash(2);
        cluster.RunFor(TimeSpan.FromMilliseconds(50));
        cluster.Restart(2);
        cluster.Restart(0);
        AssertConverges(cluster);
        Assert.That(cluster.Replica(2)!.View, Is.GreaterThan(0UL));
    }

    [Test]
    public void Censoring_primary_is_replaced_and_the_censored_request_commits()
    {
        var cluster = new SimCluster(seed: 8);
        cluster.MakeByzantine(0, Byzantine.CensoringPrimary);
        for (var i = 0; i < 40; i++)
        {
            cluster.Submit(1 + i % 3, censored: i % 10 == 0);
            cluster.RunFor(TimeSpan.FromMilliseconds(3));
        }
        AssertConverges(cluster);
        Assert.That(cluster.Replica(1)!.View, Is.GreaterThan(0UL));
    }

    [Test]
    public void Silent_primary_is_replaced()
    {
        var cluster = new SimCluster(seed: 9);
        cluster.MakeByzantine(0, Byzantine.Silent);
        for (var i = 0; i < 40; i++)
        {
            cluster.Submit(1 + i % 3);
        }
        AssertConverges(cluster);
        Assert.That(cluster.Replica(1)!.View, Is.GreaterThan(0UL));
    }

    [Test]
    public void Forged_and_replayed_votes_are_dropped_and_counted()
    {
        var cluster = new SimCluster(seed: 10);
        cluster.MakeByzantine(2, Byzantine.ForgedAndReplayedVotes);
        for (var i = 0; i < 100; i++)
        {
            cluster.Submit(i % 2 == 0 ? 0 : 1);
            cluster.RunFor(TimeSpan.FromMilliseconds(2));
        }
        AssertConverges(cluster);
        var drops = cluster.Replica(0)!.Drops;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(drops[DropReason.BadSignature], Is.GreaterThan(0), "a body under another validator's name");
            Assert.That(drops[DropReason.NotFromPrimary], Is.GreaterThan(0), "a PRE-PREPARE from a backup");
        }
    }

    private static void AssertConverges(SimCluster cluster)
    {
        Assert.That(cluster.RunUntil(cluster.Converged, Settle), Is.True, cluster.Describe());
    }
}
