using Prometheus;

namespace EhrChain.Node.Metrics;

/// <summary>
/// The node's Prometheus metrics, served at /metrics. One instance per node, on its own registry,
/// so several nodes in one process (integration tests) do not mix their figures.
/// </summary>
public sealed class NodeMetrics
{
    public NodeMetrics()
    {
        Registry = Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        Height = factory.CreateGauge("ehrchain_height", "Height of the last stored block.");
        View = factory.CreateGauge("ehrchain_view", "Current consensus view.");
        ViewChanges = factory.CreateCounter("ehrchain_view_changes_total", "View changes this node has moved through.");
        Committed = factory.CreateCounter("ehrchain_transactions_committed_total", "Transactions stored in blocks with result OK.");
        Rejected = factory.CreateCounter("ehrchain_transactions_rejected_total", "Transactions refused, by where and why.", new CounterConfiguration { LabelNames = ["stage", "reason"] });
        BatchSize = factory.CreateHistogram("ehrchain_batch_size", "Transactions per committed block.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(1, 2, 12) });
        CommitLatency = factory.CreateHistogram("ehrchain_commit_latency_seconds", "From admission at this node to the transaction's block being stored.", new HistogramConfiguration { Buckets = Histogram.ExponentialBuckets(0.002, 2, 14) });
        PeersConnected = factory.CreateGauge("ehrchain_peers_connected", "Validators this node's outbound streams are connected to.");
        MempoolSize = factory.CreateGauge("ehrchain_mempool_size", "Requests waiting to be ordered.");
        ConsensusDrops = factory.CreateCounter("ehrchain_consensus_messages_dropped_total", "Consensus messages dropped, by reason.", new CounterConfiguration { LabelNames = ["reason"] });
    }

    public CollectorRegistry Registry { get; }
    public Gauge Height { get; }
    public Gauge View { get; }
    public Counter ViewChanges { get; }
    public Counter Committed { get; }
    public Counter Rejected { get; }
    public Histogram BatchSize { get; }
    public Histogram CommitLatency { get; }
    public Gauge PeersConnected { get; }
    public Gauge MempoolSize { get; }
    public Counter ConsensusDrops { get; }
}
