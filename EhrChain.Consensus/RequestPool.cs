using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Requests waiting to be executed, in arrival order, deduplicated by digest and bounded. The
/// primary takes from it the requests not already in flight; every replica times the oldest
/// pending request to notice a primary that does not make progress.
/// </summary>
internal sealed class RequestPool
{
    private readonly int _capacity;
    private readonly LinkedList<(Hash Digest, ByteString Request, long ArrivedAt)> _order = new();
    private readonly Dictionary<Hash, LinkedListNode<(Hash Digest, ByteString Request, long ArrivedAt)>> _byDigest = [];
    private readonly HashSet<Hash> _inFlight = [];

    public RequestPool(int capacity) => _capacity = capacity;

    public int Count => _byDigest.Count;
    public bool IsFull => _byDigest.Count >= _capacity;

    public bool Contains(Hash digest) => _byDigest.ContainsKey(digest);

    /// <summary>When the oldest pending request arrived (timestamp ticks), or null when none is pending.</summary>
    public long? OldestArrival => _order.First?.Value.ArrivedAt;

    public bool TryAdd(Hash digest, ByteString request, long arrivedAt)
    {
        if (_byDigest.ContainsKey(digest) || IsFull)
        {
            return false;
        }
        _byDigest[digest] = _order.AddLast((digest, request, arrivedAt));
        return true;
    }

    public void Remove(Hash digest)
    {
        if (_byDigest.Remove(digest, out var node))
        {
            _order.Remove(node);
        }
        _inFlight.Remove(digest);
    }

    public void MarkInFlight(Hash digest) => _inFlight.Add(digest);

    public void ClearInFlight() => _inFlight.Clear();

    /// <summary>Takes, in arrival order, requests not in flight until the count or byte limit is reached, and marks them in flight.</summary>
    public List<ByteString> TakeBatch(int maxCount, int maxBytes)
    {
        var batch = new List<ByteString>();
        var bytes = 0;
        foreach (var (digest, request, _) in _order)
        {
            if (batch.Count >= maxCount)
            {
                break;
            }
            if (_inFlight.Contains(digest))
            {
                continue;
            }
            if (bytes + request.Length > maxBytes)
            {
                break;
            }
            batch.Add(request);
            bytes += request.Length;
            _inFlight.Add(digest);
        }
        return batch;
    }

    /// <summary>Whether the requests not in flight already fill a batch.</summary>
    public bool HasFullBatch(int maxCount, int maxBytes)
    {
        var count = 0;
        var bytes = 0L;
        foreach (var (digest, request, _) in _order)
        {
            if (_inFlight.Contains(digest))
            {
                continue;
            }
            count++;
            bytes += request.Length;
            if (count >= maxCount || bytes >= maxBytes)
            {
                return true;
            }
        }
        return false;
    }

    public List<ByteString> Oldest(int count) => _order.Take(count).Select(e => e.Request).ToList();

    public bool HasProposable()
    {
        foreach (var (digest, _, _) in _order)
        {
            if (!_inFlight.Contains(digest))
            {
                return true;
            }
        }
        return false;
    }
}
