using System.Collections.Concurrent;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Runs <see cref="IConsensusApplication.ValidateRequest"/> once per request digest and remembers
/// the requests that passed, so a request seen in a forward and again in a PRE-PREPARE costs one
/// signature check. Thread-safe: the driver checks requests in parallel before they reach the loop.
/// </summary>
public sealed class RequestVerifier
{
    private readonly IConsensusApplication _application;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<Hash, byte> _valid = new();
    private readonly ConcurrentQueue<Hash> _order = new();

    public RequestVerifier(IConsensusApplication application, int capacity)
    {
        _application = application ?? throw new ArgumentNullException(nameof(application));
        _capacity = capacity;
    }

    public bool IsKnownValid(Hash digest) => _valid.ContainsKey(digest);

    /// <summary>Null when the request is valid (now or before), else the reason.</summary>
    public string? Check(Hash digest, ByteString request)
    {
        if (_valid.ContainsKey(digest))
        {
            return null;
        }
        var problem = _application.ValidateRequest(request);
        if (problem is null && _valid.TryAdd(digest, 0))
        {
            _order.Enqueue(digest);
            while (_order.Count > _capacity && _order.TryDequeue(out var old))
            {
                _valid.TryRemove(old, out _);
            }
        }
        return problem;
    }
}
