namespace EhrChain.Storage;

/// <summary>One change recorded against a history key (for example a medical record id).</summary>
public sealed record HistoryItem(ulong Height, int Position, byte[] Value);

/// <summary>A change to record with a block: <paramref name="Position"/> is the transaction's position in the block.</summary>
public sealed record HistoryAppend(byte[] Key, int Position, byte[] Value);
