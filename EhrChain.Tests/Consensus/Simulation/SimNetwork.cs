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

    public IConsensusTransport TransportFor(string id, IReadOnlyList<string> all) => new Transport(this, id, all);

    public void Send(string from, string to, ConsensusEnvelope envelope)
    {
        var outgoing = Interceptor is not null && from == InterceptedSender ? Interceptor(from, to, envelope) : [envelope];
        foreach (var message in outgoing)
        {
            Transmit(from, to, message);
        }
    }

    private void Transmit(string from, string to, ConsensusEnvelope envelope)
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
                if (_isolated.Contains(from) || _isolated.Contains(to) || !_endpoints.TryGetValue(to, out var deliver))
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
                if (id != self)
                {
                    network.Send(self, id, envelope);
                }
            }
        }
    }
}
