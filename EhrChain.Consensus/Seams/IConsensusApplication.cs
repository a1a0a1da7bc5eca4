using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// What consensus needs from the chain it orders for. Calls come from the replica's single loop,
/// one at a time; <see cref="ValidateRequest"/> may also be called in parallel off the loop.
/// </summary>
public interface IConsensusApplication
{
    /// <summary>
    /// A complete but cheap check of one request (decoding, signature, chain id): the primary
    /// orders only requests that pass, and backups refuse batches holding one that does not.
    /// Must not depend on state that differs between replicas. Returns null when valid, else why not.
    /// </summary>
    string? ValidateRequest(ByteString request);

    /// <summary>
    /// <see cref="ValidateRequest"/>, with what the application made of the request while checking
    /// it (its decoded form): consensus keeps that object with the request and hands it back in
    /// <see cref="CommittedBatch.Prepared"/>, so the application need not decode the request again
    /// to execute it. Consensus never looks inside it. <paramref name="digest"/> is the request's
    /// SHA-256, which consensus computed already.
    /// </summary>
    (string? Problem, object? Prepared) ValidateAndPrepare(ByteString request, Hash digest) => (ValidateRequest(request), null);

    /// <summary>
    /// Executes batch <c>LastExecuted.Sequence + 1</c> and makes it durable, then returns the state
    /// root after it (carried in checkpoints). Called exactly once per sequence, in order.
    /// </summary>
    Hash Execute(CommittedBatch batch);

    /// <summary>The last executed batch; sequence 0 with the genesis time before any.</summary>
    ExecutedHead LastExecuted { get; }

    /// <summary>Committed batches from <paramref name="fromSequence"/> on, at most <paramref name="maxCount"/>, to serve catch-up.</summary>
    IReadOnlyList<CommittedBatch> ReadCommitted(ulong fromSequence, int maxCount);
}
