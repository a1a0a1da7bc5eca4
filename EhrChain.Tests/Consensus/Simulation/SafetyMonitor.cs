using EhrChain.Consensus;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Watches every execution on every replica: sequences arrive with no gap, no two replicas
/// execute different batches at one sequence, every certificate verifies, and no request is
/// ordered at two sequences. A violation throws at once, so the run stops at the faulty step.
/// </summary>
internal sealed class SafetyMonitor(ValidatorSet validators)
{
    private readonly Dictionary<ulong, Hash> _decided = [];
    private readonly Dictionary<Hash, ulong> _requestSequence = [];

    public IReadOnlyDictionary<ulong, Hash> Decided => _decided;

    public ulong Height => _decided.Count == 0 ? 0 : _decided.Keys.Max();

    public int TimesOrdered(ByteString request) => _requestSequence.ContainsKey(ConsensusHashing.RequestDigest(request)) ? 1 : 0;

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
                throw new SafetyViolationException($"request {requestDigest.ToShortString()} ordered at {_requestSequence[requestDigest]} and again at {batch.Sequence}.");
            }
        }
    }
}

internal sealed class SafetyViolationException(string message) : Exception(message);
