using EhrChain.Consensus;
using EhrChain.Node.Peers;
using EhrChain.Storage;

namespace EhrChain.Node.Hosting;

/// <summary>
/// Starts consensus once the host is listening and stops it in order on shutdown: consensus
/// first (no more blocks are executed), then the peer links, then the store.
/// </summary>
internal sealed partial class NodeLifetime(ConsensusDriver consensus, PeerTransport peers, IChainStore store, NodeIdentity identity, ILogger<NodeLifetime> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        consensus.Start();
        LogStarted(identity.Id, store.Head?.Height ?? 0);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await consensus.DisposeAsync().ConfigureAwait(false);
        await peers.DisposeAsync().ConfigureAwait(false);
        store.Dispose();
        LogStopped(identity.Id);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} started at height {Height}")]
    private partial void LogStarted(string nodeId, ulong height);

    [LoggerMessage(Level = LogLevel.Information, Message = "Node {NodeId} stopped")]
    private partial void LogStopped(string nodeId);
}
