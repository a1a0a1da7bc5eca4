using EhrChain.Core.Keys;

namespace EhrChain.Node;

/// <summary>This node: its validator id and keys, checked against the genesis at start.</summary>
public sealed record NodeIdentity(string Id, KeyFile Keys);
