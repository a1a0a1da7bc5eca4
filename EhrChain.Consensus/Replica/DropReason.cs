namespace EhrChain.Consensus;

/// <summary>Why an incoming message or request was dropped; each is counted.</summary>
public enum DropReason
{
    Malformed,
    NotAValidator,
    BadSignature,
    WrongView,
    OutsideWindow,
    NotFromPrimary,
    Equivocation,
    DigestMismatch,
    InvalidRequest,
    BadTimestamp,
    ConflictingVote,
    InvalidCheckpoint,
    InvalidViewChange,
    InvalidNewView,
    InvalidCatchUp,
    InvalidStateSync,
    Duplicate,
}

/// <summary>Counters of dropped input by reason, for metrics; read from any thread.</summary>
public sealed class DropCounters
{
    private readonly long[] _counts = new long[Enum.GetValues<DropReason>().Length];

    public void Increment(DropReason reason) => Interlocked.Increment(ref _counts[(int)reason]);

    public long this[DropReason reason] => Interlocked.Read(ref _counts[(int)reason]);

    public IReadOnlyDictionary<DropReason, long> Snapshot() =>
        Enum.GetValues<DropReason>().ToDictionary(r => r, r => this[r]);
}
