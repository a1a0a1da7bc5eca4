using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// The only part of a replica that signs an ordering vote (PRE-PREPARE, PREPARE, COMMIT), and the
/// keeper of the votes it made. Each vote is written to the consensus store before it is signed,
/// and one that contradicts a vote already made for its sequence (an earlier view, or another
/// digest in the same view) is refused: no call site, restart or reordering of handlers can make
/// this replica sign two batches for one slot. The rule lives here, once, as Aptos's safety rules
/// keep it, rather than in the discipline of every caller; the replica's other messages go
/// through <see cref="SealOther"/>, which refuses vote kinds.
/// </summary>
internal sealed class VoteSigner(IConsensusStore store, string selfId, SigningKeyPair key)
{
    public const string VotePrefix = "vote/";

    private readonly Dictionary<ulong, VoteRecord> _votes = [];

    public SigningPublicKey PublicKey => key.PublicKey;

    /// <summary>The votes made for sequences after the stable checkpoint, by sequence.</summary>
    public IReadOnlyDictionary<ulong, VoteRecord> Votes => _votes;

    /// <summary>Loads the votes a previous run made, from the store; returns them for the replica to rebuild its slots.</summary>
    public IReadOnlyList<VoteRecord> Restore(ulong stableSequence)
    {
        foreach (var (_, bytes) in store.ReadPrefix(VotePrefix))
        {
            var vote = VoteRecord.Parser.ParseFrom(bytes);
            if (vote.Sequence > stableSequence)
            {
                _votes[vote.Sequence] = vote;
            }
        }
        return [.. _votes.Values];
    }

    /// <summary>Forgets (in memory and in the store) the votes of the sequences <paramref name="which"/> selects.</summary>
    public void Forget(Func<VoteRecord, bool> which)
    {
        foreach (var vote in _votes.Values.Where(which).ToList())
        {
            _votes.Remove(vote.Sequence);
            store.Delete(VoteKey(vote.Sequence));
        }
    }

    /// <summary>
    /// Records a vote for <paramref name="digest"/> at (view, sequence) without signing anything: a
    /// new primary's re-proposals, signed when its NEW-VIEW was made. False when it contradicts a vote made.
    /// </summary>
    public bool Record(ulong view, ulong sequence, Hash digest, PreparedProof? prepared = null)
    {
        if (_votes.TryGetValue(sequence, out var existing)
            && (existing.View > view || (existing.View == view && Hash.FromByteString(existing.Digest) != digest)))
        {
            return false;
        }
        var record = new VoteRecord { View = view, Sequence = sequence, Digest = digest.ToByteString(), Prepared = prepared ?? existing?.Prepared };
        store.Write(VoteKey(sequence), record.ToByteArray());
        _votes[sequence] = record;
        return true;
    }

    /// <summary>The primary's proposal, signed once its vote is recorded; null when it contradicts a vote made.</summary>
    public ConsensusEnvelope? SignPrePrepare(PrePrepare prePrepare)
    {
        ArgumentNullException.ThrowIfNull(prePrepare);
        return Record(prePrepare.View, prePrepare.Sequence, new Hash(prePrepare.Digest.Span))
            ? Envelopes.Seal(selfId, key, new ConsensusMessage { PrePrepare = prePrepare })
            : null;
    }

    /// <summary>A backup's PREPARE for the PRE-PREPARE it accepts, signed once its vote is recorded; null when it contradicts a vote made.</summary>
    public ConsensusEnvelope? SignPrepare(Prepare prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        return Record(prepare.View, prepare.Sequence, new Hash(prepare.Digest.Span))
            ? Envelopes.Seal(selfId, key, new ConsensusMessage { Prepare = prepare })
            : null;
    }

    /// <summary>
    /// The COMMIT for a prepared slot: the prepared proof is recorded with the vote (a view change
    /// carries it), then the certificate signature and the envelope are signed. Null when it
    /// contradicts a vote made.
    /// </summary>
    public (ConsensusEnvelope Envelope, ByteString CertificateSignature)? SignCommit(ulong view, ulong sequence, Hash digest, PreparedProof prepared)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        if (!Record(view, sequence, digest, prepared))
        {
            return null;
        }
        var signature = UnsafeByteOperations.UnsafeWrap(key.Sign(SigningDomain.ConsensusMessage, ConsensusHashing.CommitBytes(view, sequence, digest)));
        var commit = new Commit { View = view, Sequence = sequence, Digest = digest.ToByteString(), CommitSignature = signature };
        return (Envelopes.Seal(selfId, key, new ConsensusMessage { Commit = commit }), signature);
    }

    /// <summary>Signs any message that is not an ordering vote (checkpoints, view changes, fetches, status).</summary>
    public ConsensusEnvelope SealOther(ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.KindCase is ConsensusMessage.KindOneofCase.PrePrepare or ConsensusMessage.KindOneofCase.Prepare or ConsensusMessage.KindOneofCase.Commit)
        {
            throw new InvalidOperationException($"A {message.KindCase} is a vote: only the vote methods sign it, after recording it.");
        }
        return Envelopes.Seal(selfId, key, message);
    }

    private static string VoteKey(ulong sequence) => VotePrefix + sequence.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);
}
