namespace EhrChain.Contracts.Execution;

/// <summary>The block a batch executes into: its height and the batch time agreed by consensus (the only clock rules may read).</summary>
public readonly record struct BlockContext(ulong Height, long TimeUnixMs);
