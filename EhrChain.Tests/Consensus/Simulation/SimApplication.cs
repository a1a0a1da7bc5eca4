using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// The chain a simulated node keeps: it survives the replica's crashes, as the node's block store
/// does. The state root chains the batch digests, so replicas that executed the same batches agree.
/// </summary>
internal sealed partial class SimApplication(string id, SigningPublicKey clientKey, SafetyMonitor monitor, long genesisTimeUnixMs) : IConsensusApplication
{
    private readonly List<(CommittedBatch Batch, Hash Root)> _chain = [];

    public IReadOnlyList<CommittedBatch> Chain => _chain.Select(c => c.Batch).ToList();

    public ExecutedHead LastExecuted => _chain.Count == 0
        ? _base?.Head ?? new ExecutedHead(0, genesisTimeUnixMs, Hash.Zero)
        : new ExecutedHead(BaseSequence + (ulong)_chain.Count, _chain[^1].Batch.TimeUnixMs, _chain[^1].Root);

    public string? ValidateRequest(ByteString request) => SimRequests.Validate(clientKey, request);

    public Hash Execute(CommittedBatch batch)
    {
        var head = LastExecuted;
        monitor.OnExecuted(id, batch, head.Sequence);
        var digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests);
        var root = Hash.Compute(head.StateRoot.ToArray(), digest.ToArray());
        _chain.Add((batch, root));
        return root;
    }

    public IReadOnlyList<CommittedBatch> ReadCommitted(ulong fromSequence, int maxCount) =>
        (_base is { } installed && fromSequence <= installed.Head.Sequence
            ? (fromSequence == installed.Head.Sequence ? [installed.Batch] : [])
            : Enumerable.Empty<CommittedBatch>())
        .Concat(_chain.Skip((int)Math.Max(0, (long)fromSequence - (long)BaseSequence - 1)).Select(c => c.Batch))
        .Take(maxCount).ToList();
}
