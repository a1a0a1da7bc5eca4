using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Checks of the proofs a VIEW-CHANGE carries: the stable checkpoint (2f + 1 matching signed
/// CHECKPOINTs) and each prepared certificate (a PRE-PREPARE from that view's primary and 2f
/// matching PREPAREs from other validators). A view change built on an unproven claim could skip
/// or rewrite committed sequences, so every claim must come with its signatures.
/// </summary>
internal static class ViewChangeProofs
{
    /// <summary>
    /// The epoch's base (<paramref name="baseSequence"/>, the last sequence of the epoch before, or 0)
    /// is every member's stable checkpoint by construction, so a claim of it needs no proof but must
    /// name the root and time this replica executed there. Nothing past <paramref name="epochEnd"/> may be prepared.
    /// </summary>
    public static bool IsValid(ViewChange viewChange, EnvelopeVerifier verifier, ulong baseSequence, ByteString baseRoot, long baseTimeUnixMs, ulong epochEnd)
    {
        var validators = verifier.Validators;
        if (viewChange.StableSequence < baseSequence)
        {
            return false;
        }
        if (viewChange.StableSequence == baseSequence
            && (viewChange.CheckpointProof.Count != 0 || viewChange.StableStateRoot != baseRoot || viewChange.StableTimeUnixMs != baseTimeUnixMs))
        {
            return false;
        }
        if (viewChange.StableSequence > baseSequence && !IsValidCheckpointProof(viewChange, verifier))
        {
            return false;
        }
        var sequences = new HashSet<ulong>();
        foreach (var proof in viewChange.Prepared)
        {
            var prePrepare = OpenPreparedProof(proof, verifier);
            if (prePrepare is null
                || prePrepare.View >= viewChange.NewView
                || prePrepare.Sequence <= viewChange.StableSequence
                || prePrepare.Sequence > epochEnd
                || !sequences.Add(prePrepare.Sequence))
            {
                return false;
            }
        }
        return validators.Count > 0;
    }

    /// <summary>The PRE-PREPARE of a valid prepared certificate, or null when the certificate does not hold.</summary>
    public static PrePrepare? OpenPreparedProof(PreparedProof proof, EnvelopeVerifier verifier)
    {
        var validators = verifier.Validators;
        if (proof?.PrePrepare is null)
        {
            return null;
        }
        var message = verifier.Open(proof.PrePrepare, out var primary, out _);
        if (message?.PrePrepare is not { Batch: not null } prePrepare
            || primary != validators.PrimaryIndex(prePrepare.View)
            || prePrepare.Digest.Length != Hash.Size
            || ConsensusHashing.BatchDigest(prePrepare.Batch.TimeUnixMs, prePrepare.Batch.Requests) != new Hash(prePrepare.Digest.Span))
        {
            return null;
        }
        var senders = new HashSet<int>();
        foreach (var envelope in proof.Prepares)
        {
            var prepare = verifier.Open(envelope, out var sender, out _)?.Prepare;
            if (prepare is null || sender == primary || !validators.IsMember(sender)
                || prepare.View != prePrepare.View || prepare.Sequence != prePrepare.Sequence || prepare.Digest != prePrepare.Digest)
            {
                return null;
            }
            senders.Add(sender);
        }
        return senders.Count >= validators.Quorum - 1 ? prePrepare : null;
    }

    private static bool IsValidCheckpointProof(ViewChange viewChange, EnvelopeVerifier verifier)
    {
        var senders = new HashSet<int>();
        foreach (var envelope in viewChange.CheckpointProof)
        {
            var checkpoint = verifier.Open(envelope, out var sender, out _)?.Checkpoint;
            if (checkpoint is null || !verifier.Validators.IsMember(sender)
                || checkpoint.Sequence != viewChange.StableSequence
                || checkpoint.StateRoot != viewChange.StableStateRoot
                || checkpoint.BatchTimeUnixMs != viewChange.StableTimeUnixMs)
            {
                return false;
            }
            senders.Add(sender);
        }
        return senders.Count >= verifier.Validators.Quorum;
    }
}
