namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Each fault the random real-chain runs draw, once on purpose, with what it must leave behind:
/// a torn RocksDB write, a crash between a vote's record and its send, twins, skewed clocks.
/// </summary>
[TestFixture]
public sealed class SimulatedFaultTests
{
    private static readonly TimeSpan Enough = TimeSpan.FromSeconds(60);

    [Test]
    public void A_block_write_torn_in_the_RocksDB_log_leaves_the_previous_block_and_the_node_rejoins()
    {
        using var cluster = new SimCluster(seed: 41, setup: new SimSetup { RealChain = true, Store = SimStoreKind.Rocks });
        SubmitAndRun(cluster, 20);
        cluster.CrashAtWrite(2, 1, CrashPoint.TornWrite, ArmedWrites.Blocks);
        SubmitAndRun(cluster, 20);
        Assert.That(cluster.IsUp(2), Is.False, "the armed write never came");
        var crash = cluster.CrashesAtWrites.Single();
        var tornHeight = ulong.Parse(crash.Write["block ".Length..], System.Globalization.CultureInfo.InvariantCulture);

        cluster.Restart(2);
        var disk = cluster.Disk(2);
        var reopenedHeight = disk.Current!.Head!.Value.Height;
        Assert.That(cluster.RunUntil(cluster.Converged, Enough), Is.True, cluster.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crash.Point, Is.EqualTo(CrashPoint.TornWrite));
            Assert.That(disk.TornWritesLost, Is.EqualTo(1));
            Assert.That(reopenedHeight, Is.EqualTo(tornHeight - 1));
            Assert.That(disk.Violations, Is.Empty);
            Assert.That(cluster.CheckChains().Safety, Is.Null);
            Assert.That(cluster.Application(2)!.LastExecuted.Sequence, Is.GreaterThan(tornHeight));
        }
    }

    [TestCase(CrashPoint.BeforeWrite)]
    [TestCase(CrashPoint.TornWrite)]
    [TestCase(CrashPoint.AfterWrite)]
    public void A_node_that_dies_at_a_consensus_record_write_comes_back_without_breaking_safety(CrashPoint point)
    {
        using var cluster = new SimCluster(seed: 42, setup: new SimSetup { RealChain = true, Store = SimStoreKind.Rocks });
        SubmitAndRun(cluster, 10);
        // The primary's next records are its PRE-PREPAREs and votes: it dies at one, before, while or after it is written.
        cluster.CrashAtWrite(0, 3, point, ArmedWrites.ConsensusRecords);
        SubmitAndRun(cluster, 20);
        Assert.That(cluster.IsUp(0), Is.False, "the armed write never came");

        cluster.Restart(0);
        SubmitAndRun(cluster, 20);
        Assert.That(cluster.RunUntil(cluster.Converged, Enough), Is.True, cluster.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.CrashesAtWrites.Single().Write, Does.StartWith("meta"));
            Assert.That(cluster.Disk(0).Violations, Is.Empty);
            Assert.That(cluster.CheckChains().Safety, Is.Null);
        }
    }

    [TestCase(5)]
    [TestCase(6)]
    [TestCase(7)]
    public void Twins_of_one_validator_never_break_safety_and_the_others_still_commit(int seed)
    {
        using var cluster = new SimCluster(seed, setup: new SimSetup { RealChain = true });
        cluster.MakeByzantine(0, Byzantine.Twins);
        for (var round = 0; round < 6; round++)
        {
            SubmitAndRun(cluster, 15);
            cluster.SplitTwins();
        }
        Assert.That(cluster.RunUntil(cluster.Converged, Enough), Is.True, cluster.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Twin!.LastExecuted + cluster.Replica(0)!.LastExecuted, Is.GreaterThan(0UL), "the twins took part");
            Assert.That(cluster.CheckChains().Safety, Is.Null);
        }
    }

    [Test]
    public void Clocks_apart_by_up_to_MaxClockSkew_commit_every_request_with_batch_times_that_never_go_back()
    {
        var half = SimCluster.DefaultOptions().MaxClockSkew / 2;
        using var cluster = new SimCluster(seed: 43, setup: new SimSetup { RealChain = true, ClockOffsets = [half, -half, half / 3, -half / 2] });
        SubmitAndRun(cluster, 60);
        Assert.That(cluster.RunUntil(cluster.Converged, Enough), Is.True, cluster.Describe());
        var chain = cluster.Application(1)!.ReadCommitted(1, 1000);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(chain.Sum(b => b.Requests.Count), Is.EqualTo(cluster.Submitted.Count));
            Assert.That(chain.Select(b => b.TimeUnixMs), Is.Ordered);
            Assert.That(cluster.CheckChains().Safety, Is.Null);
        }
    }

    [TestCase(3)]
    [TestCase(-3)]
    public void A_primary_whose_clock_is_beyond_MaxClockSkew_cannot_stop_the_others(int skews)
    {
        var skew = SimCluster.DefaultOptions().MaxClockSkew;
        using var cluster = new SimCluster(seed: 44, setup: new SimSetup { RealChain = true, ClockOffsets = [skew * skews, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero] });
        SubmitAndRun(cluster, 40);
        Assert.That(cluster.RunUntil(cluster.Converged, Enough), Is.True, cluster.Describe());
        var chain = cluster.Application(1)!.ReadCommitted(1, 1000);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(chain.Sum(b => b.Requests.Count), Is.EqualTo(cluster.Submitted.Count));
            Assert.That(chain.Select(b => b.TimeUnixMs), Is.Ordered);
            // No batch is stamped further ahead of the honest clocks than they accept.
            Assert.That(chain.Max(b => b.TimeUnixMs), Is.LessThanOrEqualTo(cluster.Clock.GetUtcNow().Add(skew).ToUnixTimeMilliseconds()));
            Assert.That(cluster.CheckChains().Safety, Is.Null);
        }
    }

    /// <summary>Submits <paramref name="count"/> requests to honest replicas that are up, 10 ms of simulated time apart.</summary>
    private static void SubmitAndRun(SimCluster cluster, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var up = cluster.HonestUp.ToList();
            cluster.Submit(up[i % up.Count]);
            cluster.RunFor(TimeSpan.FromMilliseconds(10));
        }
        cluster.RunFor(TimeSpan.FromMilliseconds(500));
    }
}
