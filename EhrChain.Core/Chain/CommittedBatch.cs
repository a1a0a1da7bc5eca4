using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>
/// A batch that consensus made final at <see cref="Sequence"/> (the block height): the ordered
/// transaction bytes with each one's SHA-256 (computed once, when the request arrived; the tx
/// root's leaves), the primary's batch time, who proposed it in which view, and the certificate
/// the block stores. Consensus hands it to the executor as it is. A null batch from a view change
/// has no requests.
/// </summary>
public sealed record CommittedBatch(ulong Sequence, ulong View, string Proposer, long TimeUnixMs, IReadOnlyList<ByteString> Requests, IReadOnlyList<Hash> RequestDigests, CommitCertificate Certificate)
{
    /// <summary>
    /// Per request, what the application prepared from it when it was validated on this node (for
    /// the chain, its <see cref="DecodedTransaction"/>), or null where nothing was kept; null as a
    /// whole for a batch read back or fetched. Consensus carries it without looking inside.
    /// </summary>
    public IReadOnlyList<object?>? Prepared { get; init; }

    /// <summary>A batch whose request digests are computed here (read back from a block, or fetched from a peer).</summary>
    public CommittedBatch(ulong sequence, ulong view, string proposer, long timeUnixMs, IReadOnlyList<ByteString> requests, CommitCertificate certificate)
        : this(sequence, view, proposer, timeUnixMs, requests, DigestsOf(requests), certificate)
    {
    }

    /// <summary>SHA-256 of each request's bytes, in order.</summary>
    public static Hash[] DigestsOf(IReadOnlyList<ByteString> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var digests = new Hash[requests.Count];
        for (var i = 0; i < digests.Length; i++)
        {
            digests[i] = Hash.Compute(requests[i].Span);
        }
        return digests;
    }
}
