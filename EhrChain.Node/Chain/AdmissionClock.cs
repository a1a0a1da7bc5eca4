using System.Collections.Concurrent;
using EhrChain.Core.Crypto;
using Prometheus;

namespace EhrChain.Node.Chain;

/// <summary>
/// When each transaction was admitted at this node, so the commit latency histogram measures
/// admission to stored block. Entries of transactions that never commit are dropped once the
/// map is full, oldest first, so it stays bounded.
/// </summary>
public sealed class AdmissionClock(TimeProvider time, int capacity = 200_000)
{
    private readonly ConcurrentDictionary<Hash, long> _admitted = new();
    private readonly ConcurrentQueue<Hash> _order = new();

    public void Admitted(Hash txId)
    {
        if (_admitted.TryAdd(txId, time.GetTimestamp()))
        {
            _order.Enqueue(txId);
            while (_admitted.Count > capacity && _order.TryDequeue(out var oldest))
            {
                _admitted.TryRemove(oldest, out _);
            }
        }
    }

    public void Committed(IReadOnlyList<Hash> txIds, Histogram latency)
    {
        ArgumentNullException.ThrowIfNull(txIds);
        ArgumentNullException.ThrowIfNull(latency);
        if (_admitted.IsEmpty)
        {
            return;
        }
        foreach (var id in txIds)
        {
            if (_admitted.TryRemove(id, out var start))
            {
                latency.Observe(time.GetElapsedTime(start).TotalSeconds);
            }
        }
    }
}
