using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Contracts.Chain;

/// <summary>
/// What consensus hands the executor: the ordered transaction bytes of one sequence number, the
/// primary's batch time, who proposed it in which view, and the certificate that makes it final.
/// </summary>
public sealed record CommittedBatch(
    IReadOnlyList<ByteString> Transactions,
    long TimeUnixMs,
    string ProposerId,
    ulong View,
    CommitCertificate Certificate);
