using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Tls;
using EhrChain.Node.Validators;

namespace EhrChain.Node.Peers;

/// <summary>
/// One outbound link per other validator the directory names; sends never block the caller. The
/// links follow the directory: a validator voted in gets a link, one voted out loses it.
/// </summary>
public sealed partial class PeerTransport : IAsyncDisposable
{
    private readonly KeyFile _self;
    private readonly GenesisFile _genesis;
    private readonly ValidatorDirectory _directory;
    private readonly PeerTransportOptions _options;
    private readonly NodeTls? _tls;
    private readonly bool _insecure;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    // Replaced whole under the lock, so sends read a consistent map without taking it.
    private volatile Dictionary<string, PeerLink> _links = [];
    private bool _disposed;

    /// <summary>
    /// Links dial with <c>tls</c> (the node's certificate and the network CA), which must be null
    /// exactly when <paramref name="insecure"/> (Node:Insecure): otherwise this throws, rather than dial in plaintext.
    /// </summary>
    public PeerTransport(KeyFile self, GenesisFile genesis, ValidatorDirectory directory, PeerTransportOptions options, NodeTls? tls, bool insecure, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(loggers);
        // Checked before any link starts, so a wiring fault stops the node instead of leaving links running.
        if (insecure != (tls is null))
        {
            throw new InvalidOperationException(insecure
                ? "Peer TLS was given to an insecure node; a node is either one or the other."
                : "The node is not insecure (Node:Insecure) but has no peer TLS; refusing to dial validators in plaintext.");
        }
        _self = self;
        _genesis = genesis;
        _directory = directory;
        _options = options;
        _tls = tls;
        _insecure = insecure;
        _time = time;
        _logger = loggers.CreateLogger<PeerTransport>();
        _directory.Changed += OnDirectoryChanged;
        Follow(_directory.Known);
    }

    public void Send(string validatorId, ReadOnlyMemory<byte> message)
    {
        if (_links.TryGetValue(validatorId, out var link))
        {
            link.Enqueue(message);
        }
    }

    public void Broadcast(ReadOnlyMemory<byte> message)
    {
        foreach (var link in _links.Values)
        {
            link.Enqueue(message);
        }
    }

    /// <summary>The validators this node keeps a link to (connected or not), in id order.</summary>
    public IReadOnlyList<string> LinkedPeers => _links.Keys.Order(StringComparer.Ordinal).ToList();

    public IReadOnlyList<string> ConnectedPeers => _links.Values.Where(l => l.IsConnected).Select(l => l.PeerId).Order(StringComparer.Ordinal).ToList();

    public long DroppedMessages => _links.Values.Sum(l => l.Dropped);

    public async ValueTask DisposeAsync()
    {
        List<PeerLink> links;
        lock (_lock)
        {
            _disposed = true;
            _directory.Changed -= OnDirectoryChanged;
            links = [.. _links.Values];
            _links = [];
        }
        foreach (var link in links)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void OnDirectoryChanged(IReadOnlyList<GenesisValidator> known)
    {
        var removed = Follow(known);
        // The directory changes on the chain's thread: closing a link waits for its loop, so not there.
        foreach (var link in removed)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await link.DisposeAsync().ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
                {
                    LogCloseFailed(link.PeerId, e.Message);
                }
            });
        }
    }

    // Opens links to validators newly named, keeps the ones still named (an address change reopens
    // the link), and returns the links to close.
    private List<PeerLink> Follow(IReadOnlyList<GenesisValidator> known)
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return [];
            }
            var next = new Dictionary<string, PeerLink>();
            var removed = new List<PeerLink>();
            foreach (var validator in known.Where(v => v.Id != _self.Id))
            {
                if (_links.TryGetValue(validator.Id, out var existing) && existing.Address == validator.Address)
                {
                    next[validator.Id] = existing;
                }
                else
                {
                    next[validator.Id] = Open(validator);
                }
            }
            removed.AddRange(_links.Where(l => !next.TryGetValue(l.Key, out var kept) || !ReferenceEquals(kept, l.Value)).Select(l => l.Value));
            _links = next;
            foreach (var link in removed)
            {
                LogClosing(link.PeerId);
            }
            return removed;
        }
    }

    private PeerLink Open(GenesisValidator validator) =>
        new(validator.Id, validator.Address, (listener, certificateHash) => PeerHandshake.Create(_self, listener, _genesis, _time, certificateHash), _tls, _insecure, _options.QueueCapacity, _options.MaxReconnectBackoff, _time, _logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Closing the link to {PeerId}: the validator directory no longer names it at that address")]
    private partial void LogClosing(string peerId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The link to {PeerId} ended while closing: {Reason}")]
    private partial void LogCloseFailed(string peerId, string reason);
}

public sealed class PeerTransportOptions
{
    /// <summary>Messages held for one peer while it is slow or away; beyond it the oldest are dropped.</summary>
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>The longest wait between reconnection attempts.</summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(2);
}
