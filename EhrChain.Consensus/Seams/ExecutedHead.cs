namespace EhrChain.Consensus;

/// <summary>The last batch the application executed: its sequence, time and resulting state root.</summary>
public readonly record struct ExecutedHead(ulong Sequence, long TimeUnixMs, Core.Crypto.Hash StateRoot);
