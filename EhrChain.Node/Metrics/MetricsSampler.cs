using EhrChain.Consensus;
using EhrChain.Node.Peers;

namespace EhrChain.Node.Metrics;

/// <summary>Samples what is not counted as it happens (view, peers, mempool, drops) once a second.</summary>
internal sealed class MetricsSampler(NodeMetrics metrics, ConsensusDriver consensus, PeerTransport peers, ConsensusInbox inbox, TimeProvider time) : BackgroundService
{
    private readonly Dictionary<DropReason, long> _drops = [];
    private ulong? _view;
    private long _undecodable;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                var (view, pending) = await consensus.QueryAsync(r => (r.View, r.PendingRequests), stoppingToken).ConfigureAwait(false);
                // The first sample only sets the baseline: a restarted node resumes in a later view.
                if (_view is { } previous && view > previous)
                {
                    metrics.ViewChanges.Inc(view - previous);
                }
                _view = view;
                metrics.View.Set(view);
                metrics.MempoolSize.Set(pending);
                metrics.PeersConnected.Set(peers.ConnectedPeers.Count);
                foreach (var (reason, count) in consensus.Drops.Snapshot())
                {
                    var seen = _drops.GetValueOrDefault(reason);
                    if (count > seen)
                    {
                        metrics.ConsensusDrops.WithLabels(reason.ToString()).Inc(count - seen);
                        _drops[reason] = count;
                    }
                }
                var undecodable = inbox.Undecodable;
                if (undecodable > _undecodable)
                {
                    metrics.ConsensusDrops.WithLabels("Undecodable").Inc(undecodable - _undecodable);
                    _undecodable = undecodable;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }
}
