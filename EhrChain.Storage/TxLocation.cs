using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>Where a transaction landed: block height, position in the block, and its result code.</summary>
public sealed record TxLocation(ulong Height, int Position, TxResultCode Code);
