namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// One random run, fully determined by its seed: a faulty network, crashes and restarts,
/// partitions and perhaps one Byzantine replica while requests arrive; then the network heals,
/// every replica restarts, and the run must converge. Safety is checked at every execution.
/// </summary>
internal static class RandomRun
{
    private static readonly Byzantine[] Behaviours = [Byzantine.EquivocatingPrimary, Byzantine.ForgedAndReplayedVotes, Byzantine.Silent, Byzantine.CensoringPrimary];

    /// <summary>Null when the run was safe and converged, else what went wrong.</summary>
    public static string? Execute(int seed)
    {
        var cluster = new SimCluster(seed);
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
}
