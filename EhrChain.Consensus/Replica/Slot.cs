using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// The log entry of one sequence number: the PRE-PREPARE accepted in the current view, the votes
/// seen for it (in any view not yet passed), and the highest-view prepared certificate, which a
/// VIEW-CHANGE carries.
/// </summary>
internal sealed class Slot(ulong sequence)
{
    public ulong Sequence { get; } = sequence;

    public ulong View { get; set; }
    public ConsensusEnvelope? PrePrepareEnvelope { get; set; }
    public PrePrepare? PrePrepare { get; set; }
    public Hash Digest { get; set; }

    /// <summary>SHA-256 of each request in the accepted PRE-PREPARE's batch, computed once when it arrived.</summary>
    public IReadOnlyList<Hash> RequestDigests { get; private set; } = [];

    public bool HasPrePrepare => PrePrepare is not null;

    /// <summary>A PRE-PREPARE waiting for the batch before it, whose time it must not precede.</summary>
    public (ConsensusEnvelope Envelope, PrePrepare Message, IReadOnlyList<Hash> RequestDigests)? Parked { get; set; }

    public bool SentCommit { get; set; }
    public bool Committed { get; set; }

    public Dictionary<(ulong View, Hash Digest), Dictionary<int, ConsensusEnvelope>> Prepares { get; } = [];
    public Dictionary<(ulong View, Hash Digest), Dictionary<int, ByteString>> Commits { get; } = [];

    public PreparedProof? Prepared { get; set; }

    public void AcceptPrePrepare(ulong view, ConsensusEnvelope envelope, PrePrepare prePrepare, Hash digest, IReadOnlyList<Hash> requestDigests)
    {
        View = view;
        PrePrepareEnvelope = envelope;
        PrePrepare = prePrepare;
        Digest = digest;
        RequestDigests = requestDigests;
        Parked = null;
        SentCommit = false;
        Committed = false;
    }

    public Dictionary<int, ConsensusEnvelope> PreparesFor(ulong view, Hash digest)
    {
        if (!Prepares.TryGetValue((view, digest), out var set))
        {
            Prepares[(view, digest)] = set = [];
        }
        return set;
    }

    public Dictionary<int, ByteString> CommitsFor(ulong view, Hash digest)
    {
        if (!Commits.TryGetValue((view, digest), out var set))
        {
            Commits[(view, digest)] = set = [];
        }
        return set;
    }

    /// <summary>Forgets votes of views before <paramref name="view"/>: they can no longer complete.</summary>
    public void DropVotesBefore(ulong view)
    {
        foreach (var key in Prepares.Keys.Where(k => k.View < view).ToList())
        {
            Prepares.Remove(key);
        }
        foreach (var key in Commits.Keys.Where(k => k.View < view).ToList())
        {
            Commits.Remove(key);
        }
    }
}
