using EhrChain.Core.Crypto;

namespace EhrChain.Consensus;

/// <summary>
/// Digests of recently executed requests, oldest forgotten first, so a request forwarded late
/// or resubmitted is not ordered a second time. The application's own duplicate check (tx index)
/// covers requests older than this memory.
/// </summary>
internal sealed class CommittedRequests(int capacity)
{
    private readonly HashSet<Hash> _set = [];
    private readonly Queue<Hash> _order = new();

    public bool Contains(Hash digest) => _set.Contains(digest);

    public void Add(Hash digest)
    {
        if (!_set.Add(digest))
        {
            return;
        }
        _order.Enqueue(digest);
        while (_order.Count > capacity)
        {
            _set.Remove(_order.Dequeue());
        }
    }
}
