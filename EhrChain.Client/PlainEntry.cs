using EhrChain.Core.Wire;

namespace EhrChain.Client;

/// <summary>An entry before encryption: its kind and its content in clear.</summary>
public sealed record PlainEntry(EntryKind Kind, byte[] Content);
