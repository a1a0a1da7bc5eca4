using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Watches every execution on every replica: sequences arrive with no gap, no two replicas
/// execute different batches at one sequence, and every certificate verifies. A request ordered
/// at a second sequence is counted, not failed (see below). A violation throws at once, so the
/// run stops at the faulty step.
/// </summary>
internal sealed class SafetyMonitor(ValidatorSet validators)
{
    private readonly Dictionary<ulong, Hash> _decided = [];
    private readonly Dictionary<Hash, ulong> _requestSequence = [];
    private readonly HashSet<Hash> _reordered = [];

    public IReadOnlyDictionary<ulong, Hash> Decided => _decided;

    public ulong Height => _decided.Count == 0 ? 0 : _decided.Keys.Max();

    public bool IsOrdered(ByteString request) => _requestSequence.ContainsKey(ConsensusHashing.RequestDigest(request));

    public void OnExecuted(string replica, CommittedBatch batch, ulong previous)
    {
        if (batch.Sequence != previous + 1)
        {
            throw new SafetyViolationException($"{replica} executed sequence {batch.Sequence} after {previous}: a gap.");
        }
        var digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests);
        if (!CommitCertificates.Verify(batch.Certificate, validators, batch.Sequence, digest, out var reason))
        {
            throw new SafetyViolationException($"{replica} executed sequence {batch.Sequence} with a bad certificate: {reason}.");
        }
        if (_decided.TryGetValue(batch.Sequence, out var decided))
        {
            if (decided != digest)
            {
                throw new SafetyViolationException($"{replica} executed {digest.ToShortString()} at sequence {batch.Sequence}, others {decided.ToShortString()}.");
            }
            return;
        }
        _decided[batch.Sequence] = digest;
        foreach (var request in batch.Requests)
        {
            var requestDigest = ConsensusHashing.RequestDigest(request);
            if (!_requestSequence.TryAdd(requestDigest, batch.Sequence))
            {
                // PBFT does not promise a request is ordered once: a prepared certificate from an
                // earlier view can be re-proposed by a later NEW-VIEW after the same request was
                // ordered elsewhere in between, and the NEW-VIEW must carry it unchanged. It
                // promises the request takes effect once: the application refuses the later copy
                // from its chain (the contract engine's DuplicateTx), the same on every replica,
                // which the one-digest-per-sequence check above already makes identical.
                _reordered.Add(requestDigest);
            }
        }
    }

    /// <summary>Requests ordered a second time by a re-proposal across a view change (refused as duplicates on execution).</summary>
    public int Reordered => _reordered.Count;
}

internal sealed class SafetyViolationException(string message) : Exception(message);
