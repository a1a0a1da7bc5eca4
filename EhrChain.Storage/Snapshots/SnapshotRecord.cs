namespace EhrChain.Storage.Snapshots;

/// <summary>
/// The parts of a store a snapshot carries, in the order a snapshot lists them. Blocks below the
/// snapshot height, the block-by-hash index and the meta values are not carried: the chain
/// continues from the one base block, and meta is the node's own (votes, view, checkpoints).
/// </summary>
public enum SnapshotFamily : byte
{
    /// <summary>The base block (the head at the snapshot), key = height.</summary>
    BaseBlock = 1,

    /// <summary>Every transaction id ever stored: the executor refuses a duplicate of any of them, with no expiry.</summary>
    TxIndex = 2,
    State = 3,
    History = 4,
}

/// <summary>One stored key and value of one family, exactly as the store keeps them.</summary>
public sealed record SnapshotRecord(SnapshotFamily Family, byte[] Key, byte[] Value);

/// <summary>A position in a snapshot's record order: the first record at or after (family, key).</summary>
public readonly record struct SnapshotPosition(SnapshotFamily Family, byte[] Key)
{
    public static SnapshotPosition Start => new(SnapshotFamily.BaseBlock, []);
}
