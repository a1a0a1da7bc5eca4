namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>Which durable writes count towards an armed crash.</summary>
public enum ArmedWrites
{
    Any,
    /// <summary>Only blocks.</summary>
    Blocks,
    /// <summary>Only the replica's own records (view, votes, checkpoints): everything but blocks.</summary>
    ConsensusRecords,
}

/// <summary>Where, relative to one durable write, a simulated process dies.</summary>
public enum CrashPoint
{
    /// <summary>Before the write reaches the store: it is lost whole.</summary>
    BeforeWrite,
    /// <summary>While the write is on its way to disk: RocksDB's log ends in a torn record (on the in-memory store, the same as before the write).</summary>
    TornWrite,
    /// <summary>After the write is durable, before anything that follows it (a vote's send, a checkpoint) happens.</summary>
    AfterWrite,
}

/// <summary>
/// Thrown from inside a store write to stop the replica at that instant: nothing after the write
/// runs, so a vote whose record was lost was never sent, as the durability contract requires.
/// The cluster catches it and treats the replica as crashed.
/// </summary>
internal sealed class SimulatedCrashException(int replica, CrashPoint point, string write)
    : Exception($"replica {replica} crashed {point} of {write}")
{
    public int Replica { get; } = replica;
    public CrashPoint Point { get; } = point;
    public string Write { get; } = write;
}
