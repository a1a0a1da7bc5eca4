using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Tls;

namespace EhrChain.Node.Peers;

/// <summary>One outbound link per other validator; sends never block the caller.</summary>
public sealed class PeerTransport : IAsyncDisposable
{
    private readonly Dictionary<string, PeerLink> _links;

    /// <summary>
    /// Links dial with <c>tls</c> (the node's certificate and the network CA), which must be null
    /// exactly when <paramref name="insecure"/> (Node:Insecure): otherwise this throws, rather than dial in plaintext.
    /// </summary>
    public PeerTransport(KeyFile self, GenesisFile genesis, PeerTransportOptions options, NodeTls? tls, bool insecure, TimeProvider time, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(self);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(options);
        // Checked before any link starts, so a wiring fault stops the node instead of leaving links running.
        if (insecure != (tls is null))
        {
            throw new InvalidOperationException(insecure
                ? "Peer TLS was given to an insecure node; a node is either one or the other."
                : "The node is not insecure (Node:Insecure) but has no peer TLS; refusing to dial validators in plaintext.");
        }
        var logger = loggers.CreateLogger<PeerTransport>();
        _links = genesis.Validators
            .Where(v => v.Id != self.Id)
            .ToDictionary(
                v => v.Id,
                v => new PeerLink(v.Id, v.Address, (listener, certificateHash) => PeerHandshake.Create(self, listener, genesis, time, certificateHash), tls, insecure, options.QueueCapacity, options.MaxReconnectBackoff, time, logger));
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

    public IReadOnlyList<string> ConnectedPeers => _links.Values.Where(l => l.IsConnected).Select(l => l.PeerId).Order(StringComparer.Ordinal).ToList();

    public long DroppedMessages => _links.Values.Sum(l => l.Dropped);

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values)
        {
            await link.DisposeAsync().ConfigureAwait(false);
        }
    }
}

public sealed class PeerTransportOptions
{
    /// <summary>Messages held for one peer while it is slow or away; beyond it the oldest are dropped.</summary>
    public int QueueCapacity { get; set; } = 50_000;

    /// <summary>The longest wait between reconnection attempts.</summary>
    public TimeSpan MaxReconnectBackoff { get; set; } = TimeSpan.FromSeconds(2);
}
