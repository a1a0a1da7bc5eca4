using EhrChain.Consensus;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// An in-memory network that drops, delays (and so reorders), duplicates and partitions, every
/// choice drawn from the run's one <see cref="Random"/>. Messages travel as bytes, so every
/// delivery goes through the real parser.
/// </summary>
internal sealed class SimNetwork(SimClock clock, Random random)
{
    private readonly Dictionary<string, Action<ConsensusEnvelope>> _endpoints = [];
    private readonly HashSet<string> _isolated = [];

    public double DropRate { get; set; }
    public double DuplicateRate { get; set; }
    public TimeSpan MinDelay { get; set; } = TimeSpan.FromMilliseconds(1);
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>Rewrites what a Byzantine sender sends to one destination.</summary>
    public Func<string, string, ConsensusEnvelope, IEnumerable<ConsensusEnvelope>>? Interceptor { get; set; }
    public string? InterceptedSender { get; set; }

    public long Delivered { get; private set; }

    /// <summary>The validator run as two copies with one key (Twins), or null; the second copy's endpoint is <see cref="TwinEndpoint"/>.</summary>
    public string? TwinnedId { get; private set; }
    private HashSet<string> _firstCopyPeers = [];
    private HashSet<string> _secondCopyPeers = [];

    public string? TwinEndpoint => TwinnedId is null ? null : TwinnedId + TwinSuffix;

    private const string TwinSuffix = "~twin";

    /// <summary>Makes <paramref name="id"/> a pair of twins: each copy talks only to its own peers (a peer in both hears both).</summary>
    public void SplitTwins(string id, IEnumerable<string> firstCopyPeers, IEnumerable<string> secondCopyPeers)
    {
        TwinnedId = id;
        _firstCopyPeers = [.. firstCopyPeers];
        _secondCopyPeers = [.. secondCopyPeers];
    }

    public string DescribeTwins() => TwinnedId is null ? "" :
        $"{TwinnedId} talks to [{string.Join(",", _firstCopyPeers.Order())}], its twin to [{string.Join(",", _secondCopyPeers.Order())}]";

    private static string IdOf(string endpoint) => endpoint.EndsWith(TwinSuffix, StringComparison.Ordinal) ? endpoint[..^TwinSuffix.Length] : endpoint;

    public void Attach(string id, Action<ConsensusEnvelope>? deliver)
    {
        if (deliver is null)
        {
            _endpoints.Remove(id);
        }
        else
        {
            _endpoints[id] = deliver;
        }
    }

    public void Isolate(string id) => _isolated.Add(id);

    public void Heal()
    {
        _isolated.Clear();
        DropRate = 0;
        DuplicateRate = 0;
    }

    public bool IsIsolated(string id) => _isolated.Contains(id);

    /// <summary>The transport of the replica at <paramref name="endpoint"/> (its id, or a twin's endpoint).</summary>
    public IConsensusTransport TransportFor(string endpoint, IReadOnlyList<string> all) => new Transport(this, endpoint, all);

    public void Send(string from, string to, ConsensusEnvelope envelope)
    {
        var fromId = IdOf(from);
        if (fromId == TwinnedId && !(from == TwinEndpoint ? _secondCopyPeers : _firstCopyPeers).Contains(to))
        {
            return;
        }
        var outgoing = Interceptor is not null && fromId == InterceptedSender ? Interceptor(fromId, to, envelope) : [envelope];
        foreach (var message in outgoing)
        {
            if (to != TwinnedId)
            {
                Transmit(fromId, to, to, message);
                continue;
            }
            if (_firstCopyPeers.Contains(fromId))
            {
                Transmit(fromId, to, to, message);
            }
            if (_secondCopyPeers.Contains(fromId))
            {
                Transmit(fromId, to, TwinEndpoint!, message);
            }
        }
    }

    private void Transmit(string from, string to, string endpoint, ConsensusEnvelope envelope)
    {
        if (_isolated.Contains(from) || _isolated.Contains(to) || random.NextDouble() < DropRate)
        {
            return;
        }
        var bytes = envelope.ToByteArray();
        var copies = random.NextDouble() < DuplicateRate ? 2 : 1;
        for (var i = 0; i < copies; i++)
        {
            var delay = MinDelay + TimeSpan.FromTicks((long)(random.NextDouble() * (MaxDelay - MinDelay).Ticks));
            clock.Schedule(delay, () =>
            {
                if (_isolated.Contains(from) || _isolated.Contains(to) || !_endpoints.TryGetValue(endpoint, out var deliver))
                {
                    return;
                }
                Delivered++;
                deliver(ConsensusEnvelope.Parser.ParseFrom(bytes));
            });
        }
    }

    private sealed class Transport(SimNetwork network, string self, IReadOnlyList<string> all) : IConsensusTransport
    {
        public void Send(string validatorId, ConsensusEnvelope envelope) => network.Send(self, validatorId, envelope);

        public void Broadcast(ConsensusEnvelope envelope)
        {
            foreach (var id in all)
            {
                if (id != IdOf(self))
                {
                    network.Send(self, id, envelope);
                }
            }
        }
    }
}
