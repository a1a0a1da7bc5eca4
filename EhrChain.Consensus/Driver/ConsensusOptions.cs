namespace EhrChain.Consensus;

/// <summary>
/// Tuning of the replica. Bound from the "Consensus" configuration section by the node, which
/// calls <see cref="Validate"/> at start so a bad setting stops the node before it joins.
/// </summary>
public sealed class ConsensusOptions
{
    public const string SectionName = "Consensus";

    /// <summary>A batch is cut as soon as it holds this many requests.</summary>
    public int BatchMaxCount { get; set; } = 500;

    /// <summary>A batch is cut before its requests would exceed this many bytes.</summary>
    public int BatchMaxBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long the primary waits for more requests before cutting a partial batch, while one of its
    /// batches is still in flight. With none in flight it cuts at once: waiting then only adds latency,
    /// since no batch is ahead for the new one to follow.
    /// </summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Sequence numbers in flight above the stable checkpoint (high watermark = low + window).</summary>
    public int WindowSize { get; set; } = 200;

    /// <summary>A checkpoint every K sequence numbers.</summary>
    public int CheckpointInterval { get; set; } = 50;

    /// <summary>How long a request may wait for execution before the replica asks for a new view; doubles on each successive view change.</summary>
    public TimeSpan ViewChangeTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How far ahead of this replica's clock a batch time may be.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests held waiting to be ordered; beyond it a submission is refused as full.</summary>
    public int PendingPoolCapacity { get; set; } = 20_000;

    /// <summary>The largest single request accepted.</summary>
    public int MaxRequestBytes { get; set; } = 1024 * 1024;

    /// <summary>How often a replica sends its status heartbeat and retries a stalled catch-up.</summary>
    public TimeSpan StatusInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Committed batches asked for in one catch-up fetch.</summary>
    public int FetchBatchCount { get; set; } = 100;

    /// <summary>Digests of executed requests remembered to refuse ordering them again.</summary>
    public int CommittedMemory { get; set; } = 100_000;

    /// <summary>
    /// A state snapshot every this many sequence numbers (a multiple of <see cref="CheckpointInterval"/>),
    /// attested by every replica, so a node far behind joins from it instead of replaying every batch.
    /// 0 turns state sync off: no snapshots are built, attested, served or fetched.
    /// </summary>
    public int SnapshotInterval { get; set; } = 1000;

    /// <summary>How many sequence numbers behind a peer a replica must be before it fetches a snapshot rather than batches.</summary>
    public int StateSyncDistance { get; set; } = 2000;

    /// <summary>Every problem with these options, as sentences; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void Require(bool ok, string message)
        {
            if (!ok)
            {
                errors.Add(message);
            }
        }
        Require(BatchMaxCount >= 1, "BatchMaxCount must be at least 1.");
        Require(BatchMaxBytes >= 1024, "BatchMaxBytes must be at least 1024.");
        Require(MaxRequestBytes >= 1 && MaxRequestBytes <= BatchMaxBytes, "MaxRequestBytes must be between 1 and BatchMaxBytes.");
        Require(BatchLinger >= TimeSpan.Zero, "BatchLinger cannot be negative.");
        Require(CheckpointInterval >= 1, "CheckpointInterval must be at least 1.");
        Require(WindowSize >= 2 * CheckpointInterval, "WindowSize must be at least twice CheckpointInterval, so ordering goes on while a checkpoint becomes stable.");
        Require((ulong)WindowSize < Core.Chain.MembershipRules.ActivationDelay,
            $"WindowSize must be below {Core.Chain.MembershipRules.ActivationDelay}, the blocks a validator change waits: a larger window would let the old validators order past their epoch's end.");
        Require(ViewChangeTimeout > TimeSpan.Zero, "ViewChangeTimeout must be positive.");
        Require(MaxClockSkew >= TimeSpan.Zero, "MaxClockSkew cannot be negative.");
        Require(PendingPoolCapacity >= BatchMaxCount, "PendingPoolCapacity must hold at least one full batch.");
        Require(StatusInterval > TimeSpan.Zero, "StatusInterval must be positive.");
        Require(FetchBatchCount >= 1, "FetchBatchCount must be at least 1.");
        Require(CommittedMemory >= PendingPoolCapacity, "CommittedMemory must be at least PendingPoolCapacity.");
        Require(SnapshotInterval == 0 || (SnapshotInterval >= CheckpointInterval && CheckpointInterval >= 1 && SnapshotInterval % CheckpointInterval == 0),
            "SnapshotInterval must be 0 (off) or a multiple of CheckpointInterval.");
        Require(StateSyncDistance >= SnapshotInterval, "StateSyncDistance must be at least SnapshotInterval: a nearer replica has no newer snapshot to fetch.");
        return errors;
    }

    public void EnsureValid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid consensus options: " + string.Join(" ", errors));
        }
    }
}
