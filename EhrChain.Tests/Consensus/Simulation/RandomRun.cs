namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// One random run, fully determined by its seed: a faulty network, crashes and restarts,
/// partitions and perhaps one Byzantine replica while requests arrive; then the network heals,
/// every replica restarts, and the run must converge. Safety is checked at every execution.
/// <see cref="Execute(int)"/> runs the consensus core over the toy chain (its schedule for a seed
/// is unchanged since the seeds in issue 12 were found); <see cref="ExecuteOnChain"/> runs the
/// node's real chain under more faults.
/// </summary>
internal static class RandomRun
{
    /// <summary>After the network heals and every replica is up, each accepted request must commit within this much simulated time.</summary>
    public static readonly TimeSpan LivenessBound = TimeSpan.FromSeconds(60);

    private static readonly Byzantine[] Behaviours = [Byzantine.EquivocatingPrimary, Byzantine.ForgedAndReplayedVotes, Byzantine.Silent, Byzantine.CensoringPrimary];

    /// <summary>Null when the run was safe and converged, else what went wrong.</summary>
    public static string? Execute(int seed)
    {
        using var cluster = new SimCluster(seed);
        var random = cluster.Random;
        try
        {
            cluster.Network.DropRate = random.NextDouble() * 0.03;
            cluster.Network.DuplicateRate = random.NextDouble() * 0.05;
            cluster.Network.MaxDelay = TimeSpan.FromMilliseconds(2 + random.Next(30));
            if (random.Next(2) == 0)
            {
                cluster.MakeByzantine(random.Next(cluster.Size), Behaviours[random.Next(Behaviours.Length)]);
            }
            var chaosEnd = TimeSpan.FromSeconds(4 + random.Next(6));
            int? crashed = null;
            string? isolated = null;
            while (cluster.Clock.Elapsed < chaosEnd)
            {
                var roll = random.Next(100);
                if (roll < 80)
                {
                    var targets = cluster.HonestUp.ToList();
                    if (targets.Count > 0)
                    {
                        cluster.Submit(targets[random.Next(targets.Count)], censored: random.Next(20) == 0);
                    }
                }
                else if (roll < 83 && crashed is null)
                {
                    var targets = cluster.HonestUp.ToList();
                    crashed = targets[random.Next(targets.Count)];
                    cluster.Crash(crashed.Value);
                }
                else if (roll < 87 && crashed is { } down)
                {
                    cluster.Restart(down);
                    crashed = null;
                }
                else if (roll < 89 && isolated is null)
                {
                    isolated = cluster.Ids[random.Next(cluster.Size)];
                    cluster.Network.Isolate(isolated);
                }
                else if (roll < 92 && isolated is not null)
                {
                    var (drop, duplicate) = (cluster.Network.DropRate, cluster.Network.DuplicateRate);
                    cluster.Network.Heal();
                    (cluster.Network.DropRate, cluster.Network.DuplicateRate) = (drop, duplicate);
                    isolated = null;
                }
                cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(0, 40)));
            }
            cluster.Network.Heal();
            if (crashed is { } last)
            {
                cluster.Restart(last);
            }
            return cluster.RunUntil(cluster.Converged, TimeSpan.FromSeconds(120))
                ? null
                : "did not converge after the network healed: " + cluster.Describe();
        }
        catch (SafetyViolationException e)
        {
            return "safety violated: " + e.Message + " (" + cluster.Describe() + ")";
        }
    }

    /// <summary>
    /// One run of the node's real chain (contract engine, block producer, chain store, the
    /// consensus records in its meta family) with real signed EHR transactions, under the faults
    /// of <see cref="FaultProfile"/>: a faulty network, crashes (some inside a store write: lost,
    /// torn or just after it), partitions, skewed clocks, and perhaps one Byzantine replica or a
    /// pair of twins. Then the network heals, every replica restarts, and liveness is checked
    /// against <see cref="LivenessBound"/>; at the end every chain must verify and honest heads agree.
    /// </summary>
    public static RunOutcome ExecuteOnChain(int seed, SimStoreChoice store)
    {
        var options = SimCluster.DefaultOptions();
        var profile = FaultProfile.Draw(seed, store, options.MaxClockSkew, 4);
        using var cluster = new SimCluster(seed, options: options, setup: new SimSetup { RealChain = true, Store = profile.Store, ClockOffsets = profile.ClockOffsets });
        var random = cluster.Random;
        string? safety = null, liveness = null, identity = null;
        TimeSpan? convergedAfter = null;
        try
        {
            cluster.Network.DropRate = profile.DropRate;
            cluster.Network.DuplicateRate = profile.DuplicateRate;
            cluster.Network.MaxDelay = profile.MaxDelay;
            if (profile.ByzantineIndex is { } byzantine)
            {
                cluster.MakeByzantine(byzantine, profile.Byzantine);
            }
            int? crashed = null;
            string? isolated = null;
            while (cluster.Clock.Elapsed < profile.Chaos)
            {
                var roll = random.Next(100);
                if (roll < 80)
                {
                    var targets = cluster.HonestUp.ToList();
                    if (targets.Count > 0)
                    {
                        cluster.Submit(targets[random.Next(targets.Count)], censored: random.Next(20) == 0);
                    }
                }
                else if (roll < 83 && crashed is null)
                {
                    var targets = cluster.HonestUp.ToList();
                    crashed = targets[random.Next(targets.Count)];
                    if (random.NextDouble() < profile.CrashAtWriteShare)
                    {
                        var point = random.NextDouble() < profile.TornShare ? CrashPoint.TornWrite : random.Next(2) == 0 ? CrashPoint.BeforeWrite : CrashPoint.AfterWrite;
                        cluster.CrashAtWrite(crashed.Value, 1 + random.Next(40), point, random.Next(3) == 0 ? ArmedWrites.Blocks : ArmedWrites.Any);
                    }
                    else
                    {
                        cluster.Crash(crashed.Value);
                    }
                }
                else if (roll < 87 && crashed is { } down)
                {
                    if (cluster.IsUp(down))
                    {
                        cluster.Disarm(down);
                    }
                    else
                    {
                        cluster.Restart(down);
                    }
                    crashed = null;
                }
                else if (roll < 89 && isolated is null)
                {
                    isolated = cluster.Ids[random.Next(cluster.Size)];
                    cluster.Network.Isolate(isolated);
                }
                else if (roll < 92 && isolated is not null)
                {
                    var (drop, duplicate) = (cluster.Network.DropRate, cluster.Network.DuplicateRate);
                    cluster.Network.Heal();
                    (cluster.Network.DropRate, cluster.Network.DuplicateRate) = (drop, duplicate);
                    isolated = null;
                }
                else if (roll < 94 && cluster.ByzantineKind == Byzantine.Twins)
                {
                    cluster.SplitTwins();
                }
                cluster.RunFor(TimeSpan.FromMilliseconds(random.Next(0, 40)));
            }
            cluster.Network.Heal();
            for (var i = 0; i < cluster.Size; i++)
            {
                cluster.Disarm(i);
            }
            foreach (var down in cluster.HonestDown.ToList())
            {
                cluster.Restart(down);
            }
            var healedAt = cluster.Clock.Elapsed;
            if (cluster.RunUntil(cluster.Converged, LivenessBound))
            {
                convergedAfter = cluster.Clock.Elapsed - healedAt;
            }
            else
            {
                liveness = $"not every accepted request committed within {LivenessBound.TotalSeconds:F0} s of simulated time after the network healed: " + cluster.Describe();
            }
            (safety, identity) = cluster.CheckChains(requireEqualHeads: liveness is null);
        }
        catch (SafetyViolationException e)
        {
            safety = e.Message + " (" + cluster.Describe() + ")";
        }
        return new RunOutcome(seed, profile.ToString(), safety, liveness, identity, convergedAfter, cluster.DescribeCrashes(),
            $"height {cluster.Monitor.Height}, {cluster.Network.Delivered} deliveries, {cluster.Clock.NowTicks} ticks");
    }
}
