using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>The node's real application with the safety monitor shown every batch before it executes.</summary>
internal sealed class MonitoredApplication(string id, IConsensusApplication inner, SafetyMonitor monitor) : IConsensusApplication
{
    public ExecutedHead LastExecuted => inner.LastExecuted;

    public string? ValidateRequest(ByteString request) => inner.ValidateRequest(request);

    public (string? Problem, object? Prepared) ValidateAndPrepare(ByteString request, Hash digest) => inner.ValidateAndPrepare(request, digest);

    public Hash Execute(CommittedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        monitor.OnExecuted(id, batch, inner.LastExecuted.Sequence);
        return inner.Execute(batch);
    }

    public IReadOnlyList<CommittedBatch> ReadCommitted(ulong fromSequence, int maxCount) => inner.ReadCommitted(fromSequence, maxCount);
}
