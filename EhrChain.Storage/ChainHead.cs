using EhrChain.Core.Crypto;

namespace EhrChain.Storage;

/// <summary>The last complete block: its height and hash.</summary>
public readonly record struct ChainHead(ulong Height, Hash Hash);
