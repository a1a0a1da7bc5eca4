using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>
/// A batch that consensus made final at <see cref="Sequence"/> (the block height): the ordered
/// transaction bytes, the primary's batch time, who proposed it in which view, and the certificate
/// the block stores. Consensus hands it to the executor as it is. A null batch from a view change
/// has no requests.
/// </summary>
public sealed record CommittedBatch(ulong Sequence, ulong View, string Proposer, long TimeUnixMs, IReadOnlyList<ByteString> Requests, CommitCertificate Certificate);
