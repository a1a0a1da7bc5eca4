using System.Globalization;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>Which store the real-chain runs use: one for all seeds, or RocksDB for one seed in four.</summary>
public enum SimStoreChoice
{
    Memory,
    Rocks,
    Mixed,
}

/// <summary>
/// Every fault probability of one real-chain run, drawn from its seed before the run starts and
/// printed first, so a failure names the conditions it happened under (TigerBeetle's simulator
/// does the same).
/// </summary>
internal sealed record FaultProfile(
    SimStoreKind Store,
    double DropRate,
    double DuplicateRate,
    TimeSpan MaxDelay,
    int? ByzantineIndex,
    Byzantine Byzantine,
    IReadOnlyList<TimeSpan> ClockOffsets,
    bool SkewBeyondLimit,
    TimeSpan Chaos,
    double CrashAtWriteShare,
    double TornShare)
{
    public static FaultProfile Draw(int seed, SimStoreChoice store, TimeSpan maxClockSkew, int size)
    {
        var random = new Random(unchecked(seed * -1640531535 + 0x51D));
        var kind = store switch
        {
            SimStoreChoice.Rocks => SimStoreKind.Rocks,
            SimStoreChoice.Memory => SimStoreKind.Memory,
            _ => random.Next(4) == 0 ? SimStoreKind.Rocks : SimStoreKind.Memory,
        };
        var drop = random.NextDouble() * 0.03;
        var duplicate = random.NextDouble() * 0.05;
        var delay = TimeSpan.FromMilliseconds(2 + random.Next(30));
        int? byzantineIndex = null;
        var byzantine = Byzantine.None;
        Byzantine[] menu = [Byzantine.EquivocatingPrimary, Byzantine.ForgedAndReplayedVotes, Byzantine.Silent, Byzantine.CensoringPrimary, Byzantine.Twins];
        if (random.Next(2) == 0)
        {
            byzantineIndex = random.Next(size);
            byzantine = menu[random.Next(menu.Length)];
        }
        // Within the limit, any two clocks differ by at most MaxClockSkew: each is off by up to half of it.
        var half = maxClockSkew.Ticks / 2;
        var offsets = Enumerable.Range(0, size).Select(_ => TimeSpan.FromTicks(random.NextInt64(-half, half + 1))).ToArray();
        // Beyond it, one replica's clock is wrong enough that the others refuse its batches or it
        // refuses theirs: a fault, so only when no replica is Byzantine (f = 1).
        var beyond = byzantineIndex is null && random.Next(5) == 0;
        if (beyond)
        {
            var sign = random.Next(2) == 0 ? -1 : 1;
            offsets[random.Next(size)] = TimeSpan.FromTicks(sign * (long)(maxClockSkew.Ticks * (1.2 + random.NextDouble() * 1.8)));
        }
        var chaos = TimeSpan.FromSeconds(4 + random.Next(6));
        var crashAtWrite = random.NextDouble();
        var torn = kind == SimStoreKind.Rocks ? 0.3 + random.NextDouble() * 0.5 : random.NextDouble() * 0.3;
        return new FaultProfile(kind, drop, duplicate, delay, byzantineIndex, byzantine, offsets, beyond, chaos, crashAtWrite, torn);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"store {Store}, drop {DropRate:P2}, duplicate {DuplicateRate:P2}, delay <= {MaxDelay.TotalMilliseconds:F0} ms, " +
        $"byzantine {(ByzantineIndex is { } b ? $"validator-{b} {Byzantine}" : "none")}, " +
        $"clock offsets [{string.Join(", ", ClockOffsets.Select(o => $"{o.TotalMilliseconds:F0}"))}] ms{(SkewBeyondLimit ? " (one beyond MaxClockSkew)" : "")}, " +
        $"chaos {Chaos.TotalSeconds:F0} s, crashes at a write {CrashAtWriteShare:P0} (torn {TornShare:P0})");
}
