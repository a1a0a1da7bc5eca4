using System.Globalization;
using EhrChain.Tests.Consensus.Simulation;

namespace EhrChain.Tests.Consensus;

/// <summary>
/// Random simulated runs. CI runs a fixed set of seeds. The explicit test runs more on demand:
/// <c>EHRCHAIN_SIM_SEEDS=500 dotnet test EhrChain.sln --filter TestCategory=SimulationSeeds</c>
/// runs 500 (100 when unset) from <c>EHRCHAIN_SIM_SEED_BASE</c>, or from the time when unset, and
/// prints each failing seed, which <c>EHRCHAIN_SIM_SEED=n</c> replays alone.
/// </summary>
[TestFixture]
public sealed class RandomSimulationTests
{
    private static IEnumerable<int> FixedSeeds() => Enumerable.Range(1000, 24);

    /// <summary>
    /// Seeds that once ended with one honest replica alone in a higher view change, holding the
    /// only copies of pending requests that the other three, in the view below, never ordered.
    /// </summary>
    private static IEnumerable<int> StrandedReplicaSeeds() => [7340173, 7340249, 7340300];

    /// <summary>
    /// Seeds found by a sweep once the pending requests were handed over: 9100641 lost a
    /// CHECKPOINT, so with one replica silent none became stable and the full window stopped
    /// ordering through 25 views; 9100707 restarted a replica that had left a view, losing the
    /// VIEW-CHANGE two others needed to leave it too; 9100765 re-proposed in a NEW-VIEW a prepared
    /// batch holding a request ordered in the view between (it must take effect once).
    /// </summary>
    private static IEnumerable<int> ViewSyncSeeds() => [9100641, 9100707, 9100765];

    [TestCaseSource(nameof(FixedSeeds))]
    public void Random_run_stays_safe_and_commits_every_request_once(int seed)
    {
        var failure = RandomRun.Execute(seed);
        Assert.That(failure, Is.Null, $"seed {seed}: replay with EHRCHAIN_SIM_SEED={seed}");
    }

    [TestCaseSource(nameof(StrandedReplicaSeeds))]
    public void A_replica_alone_in_a_view_change_hands_its_pending_requests_over_and_they_commit(int seed)
    {
        var failure = RandomRun.Execute(seed);
        Assert.That(failure, Is.Null, $"seed {seed}: replay with EHRCHAIN_SIM_SEED={seed}");
    }

    [TestCaseSource(nameof(ViewSyncSeeds))]
    public void Lost_checkpoints_and_view_changes_are_sent_again_and_the_run_converges(int seed)
    {
        var failure = RandomRun.Execute(seed);
        Assert.That(failure, Is.Null, $"seed {seed}: replay with EHRCHAIN_SIM_SEED={seed}");
    }

    [Test]
    [Explicit("Minutes of random seeds; run with --filter TestCategory=SimulationSeeds.")]
    [Category("SimulationSeeds")]
    public void Seeds_from_the_environment_stay_safe_and_converge()
    {
        var single = Environment.GetEnvironmentVariable("EHRCHAIN_SIM_SEED");
        var count = Environment.GetEnvironmentVariable("EHRCHAIN_SIM_SEEDS") ?? "100";
        IEnumerable<int> seeds;
        if (single is not null)
        {
            seeds = [int.Parse(single, CultureInfo.InvariantCulture)];
        }
        else
        {
            var baseText = Environment.GetEnvironmentVariable("EHRCHAIN_SIM_SEED_BASE");
            var first = baseText is null ? Environment.TickCount & 0x3FFFFFFF : int.Parse(baseText, CultureInfo.InvariantCulture);
            seeds = Enumerable.Range(first, int.Parse(count, CultureInfo.InvariantCulture));
        }
        var failures = new List<string>();
        foreach (var seed in seeds)
        {
            if (RandomRun.Execute(seed) is { } failure)
            {
                failures.Add($"seed {seed}: {failure}");
                TestContext.Out.WriteLine($"FAILED seed {seed} (replay with EHRCHAIN_SIM_SEED={seed}): {failure}");
            }
        }
        Assert.That(failures, Is.Empty);
    }
}
