using System.Collections.Concurrent;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// Runs <see cref="IConsensusApplication.ValidateAndPrepare"/> once per request digest and
/// remembers the requests that passed, with what the application prepared from each, so a request
/// seen in a forward and again in a PRE-PREPARE is checked once, and the application gets its
/// prepared form back at execution. Thread-safe: the driver checks requests in parallel before
/// they reach the loop.
/// </summary>
public sealed class RequestVerifier
{
    // What a valid request maps to when the application prepared nothing, or after execution took it.
    private static readonly object NothingPrepared = new();

    private readonly IConsensusApplication _application;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<Hash, object> _valid = new();
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
        var (problem, prepared) = _application.ValidateAndPrepare(request, digest);
        if (problem is null)
        {
            Remember(digest, prepared);
        }
        return problem;
    }

    /// <summary>
    /// A request this node's application validated and prepared itself (a client's submission its
    /// admission took, by the same rule and more): it is not checked again.
    /// </summary>
    public void Accept(Hash digest, object prepared)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        Remember(digest, prepared);
    }

    /// <summary>
    /// Hands over what the application prepared for <paramref name="digest"/>, once, at execution;
    /// null when nothing was (a request fetched in catch-up, or forgotten under load). The request
    /// stays known as valid.
    /// </summary>
    public object? TakePrepared(Hash digest)
    {
        if (!_valid.TryGetValue(digest, out var prepared) || ReferenceEquals(prepared, NothingPrepared))
        {
            return null;
        }
        _valid.TryUpdate(digest, NothingPrepared, prepared);
        return prepared;
    }

    private void Remember(Hash digest, object? prepared)
    {
        if (_valid.TryAdd(digest, prepared ?? NothingPrepared))
        {
            _order.Enqueue(digest);
            while (_order.Count > _capacity && _order.TryDequeue(out var old))
            {
                _valid.TryRemove(old, out _);
            }
        }
    }
}
