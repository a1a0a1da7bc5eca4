using EhrChain.Consensus;
using EhrChain.Storage;

namespace EhrChain.Node.Hosting;

/// <summary>
/// Starts consensus once the host is listening. Nothing is torn down here: the container
/// disposes the node's parts after the server has stopped serving requests, in reverse order of
/// creation — consensus (no more blocks executed), then the peer links, then the store last.
/// </summary>
internal sealed partial class NodeLifetime(ConsensusDriver consensus, IChainStore store, NodeIdentity identity, ILogger<NodeLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        consensus.Start();
        LogStarted(identity.Id, store.Head?.Height ?? 0);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        LogStopping(identity.Id, store.Head?.Height ?? 0);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} started at height {Height}")]
    private partial void LogStarted(string nodeId, ulong height);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} stopping at height {Height}")]
    private partial void LogStopping(string nodeId, ulong height);
}
