using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Tests.Consensus.Simulation;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus;

/// <summary>
/// Validators voted in and out while clients keep submitting: 4 → 5 → 7 → 4, on a lossy simulated
/// network with a restart in the middle. Seven replicas run from the start; the three outside the
/// starting set are learners until the chain makes them members, and the replicas voted out
/// become learners again. Every replica must execute the same batches, each certified by the
/// set of the epoch that ordered it, and every accepted request must commit.
/// </summary>
[TestFixture]
public sealed class MembershipSimulationTests
{
    private const int Total = 7;

    [TestCase(9101)]
    [TestCase(9102)]
    [TestCase(9103)]
    public void Validators_change_four_to_five_to_seven_and_back_to_four_under_load_with_one_chain(int seed)
    {
        using var cluster = new EpochCluster(seed);
        cluster.Network.DropRate = 0.02;
        cluster.StartLoad();

        cluster.RunFor(TimeSpan.FromSeconds(1));
        cluster.ChangeTo([0, 1, 2, 3, 4]);
        Assert.That(cluster.RunUntil(() => cluster.AllInEpoch(1, 5), TimeSpan.FromSeconds(60)), Is.True, cluster.Describe("epoch 1 (five validators)"));

        cluster.ChangeTo([0, 1, 2, 3, 4, 5, 6]);
        cluster.RunFor(TimeSpan.FromMilliseconds(300));
        cluster.Restart(2);
        Assert.That(cluster.RunUntil(() => cluster.AllInEpoch(2, 7), TimeSpan.FromSeconds(60)), Is.True, cluster.Describe("epoch 2 (seven validators)"));

        cluster.ChangeTo([3, 4, 5, 6]);
        Assert.That(cluster.RunUntil(() => cluster.AllInEpoch(3, 7), TimeSpan.FromSeconds(60)), Is.True, cluster.Describe("epoch 3 (four validators)"));
        cluster.RunFor(TimeSpan.FromSeconds(1));

        cluster.StopLoad();
        cluster.Network.DropRate = 0;
        Assert.That(cluster.RunUntil(cluster.Converged, TimeSpan.FromSeconds(60)), Is.True, cluster.Describe("convergence"));

        Assert.Multiple(() =>
        {
            Assert.That(cluster.CheckChains(), Is.Null);
            Assert.That(cluster.Application(0).Epochs.Select(e => e.Members.Length), Is.EqualTo(new[] { 4, 5, 7, 4 }));
            Assert.That(Enumerable.Range(0, Total).Select(i => cluster.Replica(i).Participates),
                Is.EqualTo(new[] { false, false, false, true, true, true, true }), "who orders after the last change");
            Assert.That(cluster.Committed, Is.GreaterThan(200), "requests committed under load");
        });
    }

    [Test]
    public void An_idle_network_still_changes_its_validators_because_the_primary_fills_the_epoch_with_empty_batches()
    {
        using var cluster = new EpochCluster(9201);
        cluster.RunFor(TimeSpan.FromMilliseconds(200));
        cluster.ChangeTo([0, 1, 2, 3, 4]);
        Assert.That(cluster.RunUntil(() => cluster.AllInEpoch(1, 5), TimeSpan.FromSeconds(30)), Is.True, cluster.Describe("epoch 1 while idle"));
        var epochs = cluster.Application(4).Epochs;
        Assert.Multiple(() =>
        {
            Assert.That(epochs[1].FirstSequence, Is.EqualTo(epochs[0].FirstSequence + 1 + MembershipRules.ActivationDelay), "the change took effect 256 sequences after the block that approved it");
            Assert.That(cluster.Replica(4).Participates, Is.True);
            Assert.That(cluster.CheckChains(), Is.Null);
        });
    }

    [Test]
    public void A_replica_of_the_old_epoch_refuses_to_order_past_its_end_even_when_the_primary_proposes_it()
    {
        using var cluster = new EpochCluster(9301);
        cluster.ChangeTo([0, 1, 2, 3, 4]);
        Assert.That(cluster.RunUntil(() => cluster.Replica(1).EpochEnd != Membership.Open, TimeSpan.FromSeconds(10)), Is.True);
        var end = cluster.Replica(1).EpochEnd;
        // Close enough to the end that the sequence after it lies inside the window.
        var window = (ulong)SimCluster.DefaultOptions().WindowSize;
        Assert.That(cluster.RunUntil(() => cluster.Replica(1).StableCheckpoint + window > end && cluster.Replica(1).Epoch == 0, TimeSpan.FromSeconds(30)), Is.True, cluster.Describe("a stable checkpoint near the end"));

        var outsideBefore = cluster.Replica(1).Drops[DropReason.OutsideWindow];
        var batch = new EhrChain.Core.Wire.Batch { TimeUnixMs = SimClock.GenesisTimeUnixMs + 1_000_000 };
        var prePrepare = new EhrChain.Core.Wire.PrePrepare
        {
            View = cluster.Replica(1).View,
            Sequence = end + 1,
            Digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests).ToByteString(),
            Batch = batch,
        };
        var primary = (int)(cluster.Replica(1).View % 4);
        cluster.Replica(1).OnEnvelope(cluster.SealAs(primary, new EhrChain.Core.Wire.ConsensusMessage { PrePrepare = prePrepare }));
        Assert.That(cluster.Replica(1).Drops[DropReason.OutsideWindow], Is.EqualTo(outsideBefore + 1), "the old epoch's primary may not order past the end");

        cluster.ChangeTo([0, 1, 2, 3]);
        Assert.That(cluster.RunUntil(() => cluster.AllInEpoch(1, 5) && cluster.Application(1).LastExecuted.Sequence > end, TimeSpan.FromSeconds(30)), Is.True, cluster.Describe("epoch 1"));
        Assert.Multiple(() =>
        {
            // Every batch up to the end is certified by the four, every one after it by the five.
            Assert.That(cluster.CheckChains(), Is.Null);
            Assert.That(cluster.Application(0).Epochs[1].FirstSequence, Is.EqualTo(end + 1));
            Assert.That(cluster.Application(1).Chain.Single(b => b.Sequence == end + 1).TimeUnixMs, Is.Not.EqualTo(batch.TimeUnixMs));
        });
    }

    /// <summary>Seven replicas on one simulated network, the first four the starting validators.</summary>
    private sealed class EpochCluster : IDisposable
    {
        private readonly SigningKeyPair[] _keys;
        private readonly SigningKeyPair _client;
        private readonly (string Id, SigningPublicKey Key)[] _all;
        private readonly ValidatorSet _genesis;
        private readonly EpochApplication[] _applications;
        private readonly MemoryConsensusStore[] _stores;
        private readonly Replica[] _replicas;
        private readonly SimRequests _requests;
        private readonly Random _random;
        private readonly List<ByteString> _accepted = [];
        private bool _loading;
        private int _nonce;

        public EpochCluster(int seed)
        {
            _random = new Random(seed);
            Clock = new SimClock();
            Network = new SimNetwork(Clock, _random);
            _keys = Enumerable.Range(0, Total).Select(_ => KeyFrom(_random)).ToArray();
            _client = KeyFrom(_random);
            _requests = new SimRequests(_client, _random);
            _all = Enumerable.Range(0, Total).Select(i => ($"validator-{i}", _keys[i].PublicKey)).ToArray();
            _genesis = new ValidatorSet(_all.Take(4));
            _applications = Enumerable.Range(0, Total).Select(_ => new EpochApplication(_client.PublicKey, _all, 4, SimClock.GenesisTimeUnixMs)).ToArray();
            _stores = Enumerable.Range(0, Total).Select(_ => new MemoryConsensusStore()).ToArray();
            _replicas = new Replica[Total];
            for (var i = 0; i < Total; i++)
            {
                _replicas[i] = Create(i);
                _replicas[i].Start();
            }
        }

        public SimClock Clock { get; }
        public SimNetwork Network { get; }

        public Replica Replica(int index) => _replicas[index];
        public EpochApplication Application(int index) => _applications[index];

        public int Committed => _applications[0].Chain.Sum(b => b.Requests.Count);

        public void StartLoad()
        {
            _loading = true;
            ScheduleLoad();
        }

        public void StopLoad() => _loading = false;

        public void ChangeTo(int[] members)
        {
            var request = EpochApplication.ChangeRequest(_client, members, ++_nonce);
            SubmitToMember(request);
        }

        public EhrChain.Core.Wire.ConsensusEnvelope SealAs(int index, EhrChain.Core.Wire.ConsensusMessage message) => Envelopes.Seal(_all[index].Id, _keys[index], message);

        public void Restart(int index)
        {
            _replicas[index].Dispose();
            Network.Attach(_all[index].Id, null);
            _replicas[index] = Create(index);
            _replicas[index].Start();
        }

        /// <summary>
        /// The first <paramref name="known"/> replicas (every one the chain has named so far) are in
        /// <paramref name="epoch"/>: a replica never named is not talked to, so it cannot follow.
        /// </summary>
        public bool AllInEpoch(ulong epoch, int known) => _replicas.Take(known).All(r => r.Epoch >= epoch);

        public void RunFor(TimeSpan duration)
        {
            var until = Clock.NowTicks + duration.Ticks;
            while (Clock.Step(until))
            {
            }
            Clock.AdvanceTo(until);
        }

        public bool RunUntil(Func<bool> done, TimeSpan limit)
        {
            var until = Clock.NowTicks + limit.Ticks;
            while (!done())
            {
                if (!Clock.Step(until))
                {
                    Clock.AdvanceTo(until);
                    return done();
                }
            }
            return true;
        }

        /// <summary>Every accepted request executed, and all seven replicas (all named by now) at one height.</summary>
        public bool Converged()
        {
            var executed = _applications[0].Chain.SelectMany(b => b.Requests).Select(ConsensusHashing.RequestDigest).ToHashSet();
            return _accepted.All(r => executed.Contains(ConsensusHashing.RequestDigest(r)))
                && _applications.Select(a => a.LastExecuted.Sequence).Distinct().Count() == 1;
        }

        /// <summary>Null when every chain holds the same batches and each batch's certificate holds under the set of its epoch; else the first problem.</summary>
        public string? CheckChains()
        {
            var reference = _applications[0];
            var epochs = reference.Epochs;
            for (var i = 0; i < Total; i++)
            {
                var chain = _applications[i].Chain;
                for (var s = 0; s < chain.Count; s++)
                {
                    var batch = chain[s];
                    var digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests);
                    if (s < reference.Chain.Count && ConsensusHashing.BatchDigest(reference.Chain[s].TimeUnixMs, reference.Chain[s].Requests) != digest)
                    {
                        return $"validator-{i} executed another batch at {batch.Sequence}";
                    }
                    var epoch = epochs.Last(e => e.FirstSequence <= batch.Sequence);
                    var set = _genesis.ForEpoch(epoch.Epoch, epoch.Members.Select(m => _all[m]));
                    if (!CommitCertificates.Verify(batch.Certificate, set, batch.Sequence, digest, out var reason))
                    {
                        return $"validator-{i}'s batch {batch.Sequence} (epoch {epoch.Epoch}): {reason}";
                    }
                }
            }
            return null;
        }

        public string Describe(string waitingFor) =>
            $"waiting for {waitingFor}: " + string.Join("; ", _replicas.Select((r, i) =>
                $"{r.Id} epoch {r.Epoch} end {(r.EpochEnd == Membership.Open ? "open" : r.EpochEnd.ToString(System.Globalization.CultureInfo.InvariantCulture))} view {r.View >> 32}:{r.View & 0xFFFFFFFF} {(r.ViewActive ? "active" : "changing")} executed {r.LastExecuted} stable {r.StableCheckpoint} pending {r.PendingRequests} {(r.Participates ? "member" : "learner")} drops [{string.Join(",", r.Drops.Snapshot().Where(d => d.Value > 0).Select(d => $"{d.Key}={d.Value}"))}]"));

        public void Dispose()
        {
            foreach (var replica in _replicas)
            {
                replica.Dispose();
            }
        }

        private Replica Create(int index)
        {
            Replica? replica = null;
            var setup = new ReplicaSetup(_genesis, _all[index].Id, _keys[index], SimCluster.DefaultOptions(),
                Network.TransportFor(_all[index].Id, _all.Select(a => a.Id).ToList()), _applications[index], _stores[index], Clock, SimClock.GenesisTimeUnixMs);
            replica = new Replica(setup, (timer, generation) => replica?.OnTimer(timer, generation));
            Network.Attach(_all[index].Id, replica.OnEnvelope);
            return replica;
        }

        private void ScheduleLoad() => Clock.Schedule(TimeSpan.FromMilliseconds(4), () =>
        {
            if (!_loading)
            {
                return;
            }
            SubmitToMember(_requests.Create(++_nonce));
            ScheduleLoad();
        });

        private void SubmitToMember(ByteString request)
        {
            var members = _replicas.Where(r => r.Participates).ToList();
            var replica = members[_random.Next(members.Count)];
            if (replica.Submit(request) == SubmitResult.Accepted)
            {
                _accepted.Add(request);
            }
        }

        private static SigningKeyPair KeyFrom(Random random)
        {
            var seed = new byte[SigningKeyPair.PrivateKeySize];
            random.NextBytes(seed);
            return SigningKeyPair.FromPrivateKey(seed);
        }
    }
}
