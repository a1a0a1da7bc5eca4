using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

/// <summary>
/// What a NEW-VIEW must re-propose, computed only from its VIEW-CHANGEs so every replica can
/// recompute and check it (Castro and Liskov's set O): from the highest stable checkpoint among
/// them up to the highest prepared sequence, the batch of the prepared certificate with the
/// highest view for each sequence, or a null batch where none prepared. A null batch repeats the
/// time of the batch before it, so block times never go backwards at a gap.
/// </summary>
internal sealed record NewViewPlan(ViewChange StableSource, IReadOnlyList<(ulong Sequence, Batch Batch)> Proposals)
{
    public ulong StableSequence => StableSource.StableSequence;

    /// <summary>Plans from VIEW-CHANGEs already checked by <see cref="ViewChangeProofs.IsValid"/>.</summary>
    public static NewViewPlan Compute(IReadOnlyList<ViewChange> viewChanges, EnvelopeVerifier verifier, long genesisTimeUnixMs)
    {
        var stable = viewChanges.MaxBy(v => v.StableSequence)!;
        var best = new SortedDictionary<ulong, PrePrepare>();
        foreach (var viewChange in viewChanges)
        {
            foreach (var proof in viewChange.Prepared)
            {
                var prePrepare = ViewChangeProofs.OpenPreparedProof(proof, verifier)!;
                if (prePrepare.Sequence <= stable.StableSequence)
                {
                    continue;
                }
                if (!best.TryGetValue(prePrepare.Sequence, out var current)
                    || prePrepare.View > current.View
                    || (prePrepare.View == current.View && prePrepare.Digest.Span.SequenceCompareTo(current.Digest.Span) < 0))
                {
                    best[prePrepare.Sequence] = prePrepare;
                }
            }
        }
        var proposals = new List<(ulong, Batch)>();
        // Every view change's stable time is proven (or, at the epoch's base, checked against this replica's own).
        var previousTime = stable.StableSequence == 0 ? genesisTimeUnixMs : stable.StableTimeUnixMs;
        var last = best.Count == 0 ? stable.StableSequence : best.Keys.Max();
        for (var sequence = stable.StableSequence + 1; sequence <= last; sequence++)
        {
            var batch = best.TryGetValue(sequence, out var prePrepare)
                ? prePrepare.Batch
                : new Batch { TimeUnixMs = previousTime };
            proposals.Add((sequence, batch));
            previousTime = batch.TimeUnixMs;
        }
        return new NewViewPlan(stable, proposals);
    }
}
