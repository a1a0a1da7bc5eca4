using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// A batch that consensus made final at <see cref="Sequence"/> (the block height), with the
/// certificate the block stores. A null batch from a view change has no requests.
/// </summary>
public sealed record CommittedBatch(ulong Sequence, ulong View, string Proposer, long TimeUnixMs, IReadOnlyList<ByteString> Requests, CommitCertificate Certificate);

/// <summary>The last batch the application executed: its sequence, time and resulting state root.</summary>
public readonly record struct ExecutedHead(ulong Sequence, long TimeUnixMs, Core.Crypto.Hash StateRoot);
