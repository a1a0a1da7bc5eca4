using EhrChain.Consensus;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// A whole cluster in one thread: n replicas with real keys, a simulated clock and network,
/// stores and chains that survive crashes, at most one Byzantine replica, and a monitor that
/// checks safety at every execution. Everything random comes from the seed.
/// </summary>
internal sealed class SimCluster
{
    private readonly SigningKeyPair[] _keys;
    private readonly MemoryConsensusStore[] _stores;
    private readonly Replica?[] _replicas;
    private readonly List<(ByteString Request, int SubmittedTo)> _owed = [];
    private readonly List<ByteString> _submitted = [];
    private int _requestNumber;

    public SimCluster(int seed, int size = 4, ConsensusOptions? options = null)
    {
        Seed = seed;
        Random = new Random(seed);
        Options = options ?? DefaultOptions();
        _keys = Enumerable.Range(0, size).Select(_ => KeyFrom(Random)).ToArray();
        Ids = Enumerable.Range(0, size).Select(i => $"validator-{i}").ToArray();
        Validators = new ValidatorSet(Ids.Select((id, i) => (id, _keys[i].PublicKey)));
        Clock = new SimClock();
        Network = new SimNetwork(Clock, Random);
        Monitor = new SafetyMonitor(Validators);
        Requests = new SimRequests(KeyFrom(Random), Random);
        Applications = Ids.Select(id => new SimApplication(id, Requests.ClientKey, Monitor, SimClock.GenesisTimeUnixMs)).ToArray();
        _stores = Ids.Select(_ => new MemoryConsensusStore()).ToArray();
        _replicas = new Replica?[size];
        for (var i = 0; i < size; i++)
        {
            Restart(i);
        }
    }

    public int Seed { get; }
    public Random Random { get; }
    public ConsensusOptions Options { get; }
    public string[] Ids { get; }
    public ValidatorSet Validators { get; }
    public SimClock Clock { get; }
    public SimNetwork Network { get; }
    public SafetyMonitor Monitor { get; }
    public SimRequests Requests { get; }
    public SimApplication[] Applications { get; }

    /// <summary>Stops a replica and throws away its chain and store, as a node given an empty data directory.</summary>
    public void Wipe(int index)
    {
        Crash(index);
        Applications[index] = new SimApplication(Ids[index], Requests.ClientKey, Monitor, SimClock.GenesisTimeUnixMs);
        _stores[index] = new MemoryConsensusStore();
    }
    public int? ByzantineIndex { get; private set; }

    public int Size => _replicas.Length;

    public static ConsensusOptions DefaultOptions() => new()
    {
        BatchMaxCount = 8,
        BatchMaxBytes = 64 * 1024,
        MaxRequestBytes = 16 * 1024,
        BatchLinger = TimeSpan.FromMilliseconds(5),
        CheckpointInterval = 10,
        WindowSize = 40,
        ViewChangeTimeout = TimeSpan.FromMilliseconds(500),
        StatusInterval = TimeSpan.FromMilliseconds(300),
        PendingPoolCapacity = 5_000,
        CommittedMemory = 20_000,
        FetchBatchCount = 50,
        // Off unless a test turns it on (StateSyncTests), so the seeded runs keep their schedules.
        SnapshotInterval = 0,
    };

    public Replica? Replica(int index) => _replicas[index];

    public bool IsUp(int index) => _replicas[index] is not null;

    public bool IsHonest(int index) => ByzantineIndex != index;

    public IEnumerable<int> HonestUp => Enumerable.Range(0, Size).Where(i => IsUp(i) && IsHonest(i));

    public void MakeByzantine(int index, Byzantine kind)
    {
        ByzantineIndex = index;
        var behaviour = new ByzantineBehaviour(kind, Ids[index], _keys[index], Ids, Random);
        Network.InterceptedSender = Ids[index];
        Network.Interceptor = behaviour.Rewrite;
    }

    /// <summary>Stops a replica, losing its memory but not its store or chain. Requests it accepted and
    /// that are not ordered yet are no longer owed: the only copy may have been in its memory.</summary>
    public void Crash(int index)
    {
        _owed.RemoveAll(o => o.SubmittedTo == index && !Monitor.IsOrdered(o.Request));
        _replicas[index]?.Dispose();
        _replicas[index] = null;
        Network.Attach(Ids[index], null);
    }

    /// <summary>Starts (or restarts) replica <paramref name="index"/> from its persisted store and chain.</summary>
    public void Restart(int index)
    {
        Crash(index);
        Replica? replica = null;
        var setup = new ReplicaSetup(Validators, Ids[index], _keys[index], Options, Network.TransportFor(Ids[index], Ids),
            Applications[index], _stores[index], Clock, SimClock.GenesisTimeUnixMs);
        replica = new Replica(setup, (timer, generation) => replica?.OnTimer(timer, generation));
        _replicas[index] = replica;
        Network.Attach(Ids[index], replica.OnEnvelope);
        replica.Start();
    }

    /// <summary>Submits a new request to replica <paramref name="index"/>; an accepted one is owed a commit unless that replica crashes first.</summary>
    public SubmitResult Submit(int index, bool censored = false)
    {
        var request = Requests.Create(++_requestNumber, censored);
        var replica = _replicas[index] ?? throw new InvalidOperationException($"{Ids[index]} is down.");
        var result = replica.Submit(request);
        _submitted.Add(request);
        if (result == SubmitResult.Accepted && IsHonest(index))
        {
            _owed.Add((request, index));
        }
        return result;
    }

    public IReadOnlyList<ByteString> Owed => _owed.Select(o => o.Request).ToList();

    public IReadOnlyList<ByteString> Submitted => _submitted;

    public void RunFor(TimeSpan duration)
    {
        var until = Clock.NowTicks + duration.Ticks;
        while (Clock.Step(until))
        {
        }
        Clock.AdvanceTo(until);
    }

    /// <summary>Runs until <paramref name="done"/> holds (checked after every event) or <paramref name="limit"/> passes.</summary>
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

    /// <summary>Every owed request ordered, and every honest replica that is up at the same height.</summary>
    public bool Converged()
    {
        var height = Monitor.Height;
        return _owed.All(o => Monitor.IsOrdered(o.Request))
            && HonestUp.All(i => Applications[i].LastExecuted.Sequence == height);
    }

    public string Describe() =>
        $"seed {Seed}, t={Clock.Elapsed.TotalSeconds:F1}s, height {Monitor.Height}, owed {_owed.Count(o => !Monitor.IsOrdered(o.Request))} unordered; " +
        string.Join("; ", Enumerable.Range(0, Size).Select(i => _replicas[i] is { } r
            ? $"{Ids[i]}{(IsHonest(i) ? "" : "(byz)")} view {r.View}{(r.ViewActive ? "" : "*")} exec {r.LastExecuted} stable {r.StableCheckpoint} pending {r.PendingRequests}"
            : $"{Ids[i]} down"));

    private static SigningKeyPair KeyFrom(Random random)
    {
        var seed = new byte[SigningKeyPair.PrivateKeySize];
        random.NextBytes(seed);
        return SigningKeyPair.FromPrivateKey(seed);
    }
}
