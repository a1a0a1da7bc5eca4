using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Requests waiting to be executed, in arrival order, deduplicated by digest and bounded. The
/// primary takes from it the requests not already in flight; every replica times the oldest
/// pending request to notice a primary that does not make progress. The count and size of the
/// requests not in flight are kept as they change: the primary asks after every event whether a
/// batch is ready, and scanning past the hundreds in flight to answer was 2% of a loaded node's CPU.
/// </summary>
internal sealed class RequestPool
{
    private readonly int _capacity;
    private readonly LinkedList<(Hash Digest, ByteString Request, long ArrivedAt)> _order = new();
    private readonly Dictionary<Hash, LinkedListNode<(Hash Digest, ByteString Request, long ArrivedAt)>> _byDigest = [];
    private readonly HashSet<Hash> _inFlight = [];
    private long _poolBytes;
    private int _proposableCount;
    private long _proposableBytes;

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
        _poolBytes += request.Length;
        if (!_inFlight.Contains(digest))
        {
            _proposableCount++;
            _proposableBytes += request.Length;
        }
        return true;
    }

    public void Remove(Hash digest)
    {
        var wasInFlight = _inFlight.Remove(digest);
        if (_byDigest.Remove(digest, out var node))
        {
            _order.Remove(node);
            var length = node.Value.Request.Length;
            _poolBytes -= length;
            if (!wasInFlight)
            {
                _proposableCount--;
                _proposableBytes -= length;
            }
        }
    }

    public void MarkInFlight(Hash digest)
    {
        if (_inFlight.Add(digest) && _byDigest.TryGetValue(digest, out var node))
        {
            _proposableCount--;
            _proposableBytes -= node.Value.Request.Length;
        }
    }

    public void ClearInFlight()
    {
        _inFlight.Clear();
        _proposableCount = _byDigest.Count;
        _proposableBytes = _poolBytes;
    }

    /// <summary>Takes, in arrival order, requests not in flight until the count or byte limit is reached, and marks them in flight.</summary>
    public List<(Hash Digest, ByteString Request)> TakeBatch(int maxCount, int maxBytes)
    {
        var batch = new List<(Hash Digest, ByteString Request)>();
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
            batch.Add((digest, request));
            bytes += request.Length;
            MarkInFlight(digest);
        }
        return batch;
    }

    /// <summary>Whether the requests not in flight already fill a batch.</summary>
    public bool HasFullBatch(int maxCount, int maxBytes) => _proposableCount >= maxCount || _proposableBytes >= maxBytes;

    public List<ByteString> Oldest(int count) => _order.Take(count).Select(e => e.Request).ToList();

    public bool HasProposable() => _proposableCount > 0;
}
