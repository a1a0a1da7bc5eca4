using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Execution;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Node.Chain;
using EhrChain.Node.Events;
using EhrChain.Node.Metrics;
using EhrChain.Storage;
using EhrChain.Storage.Verification;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>What the end-of-run check of the stored chains found: a safety problem, and apart from it, blocks of the same content that are not byte-identical.</summary>
internal sealed record ChainCheck(string? Safety, string? BlockIdentity);

/// <summary>How a simulated cluster is built beyond consensus: the toy chain or the node's real one, on which store, with which clock offsets.</summary>
internal sealed record SimSetup
{
    /// <summary>Runs the node's ChainApplication (contract engine, block producer, chain store) instead of <see cref="SimApplication"/>.</summary>
    public bool RealChain { get; init; }

    public SimStoreKind Store { get; init; } = SimStoreKind.Memory;

    /// <summary>Each replica's wall-clock offset; none when null.</summary>
    public IReadOnlyList<TimeSpan>? ClockOffsets { get; init; }
}

/// <summary>
/// A whole cluster in one thread: n replicas with real keys, a simulated clock and network,
/// stores and chains that survive crashes, at most one Byzantine replica, and a monitor that
/// checks safety at every execution. Everything random comes from the seed.
/// </summary>
internal sealed class SimCluster : IDisposable
{
    private readonly SigningKeyPair[] _keys;
    private readonly SimSetup _setup;
    private readonly MemoryConsensusStore[] _stores;
    private readonly SimChainStore[] _disks;
    private readonly IConsensusApplication?[] _applications;
    private readonly TimeProvider[] _clocks;
    private readonly Replica?[] _replicas;
    private readonly List<(ByteString Request, int SubmittedTo)> _owed = [];
    private readonly List<ByteString> _submitted = [];
    private readonly List<SimulatedCrashException> _crashes = [];
    private Replica? _twin;
    private SimChainStore? _twinDisk;
    private int _requestNumber;

    public SimCluster(int seed, int size = 4, ConsensusOptions? options = null, SimSetup? setup = null)
    {
        Seed = seed;
        Random = new Random(seed);
        _setup = setup ?? new SimSetup();
        Options = options ?? DefaultOptions();
        _keys = Enumerable.Range(0, size).Select(_ => KeyFrom(Random)).ToArray();
        Ids = Enumerable.Range(0, size).Select(i => $"validator-{i}").ToArray();
        Validators = new ValidatorSet(Ids.Select((id, i) => (id, _keys[i].PublicKey)));
        Clock = new SimClock();
        Network = new SimNetwork(Clock, Random);
        Monitor = new SafetyMonitor(Validators);
        Requests = new SimRequests(KeyFrom(Random), Random);
        _clocks = Enumerable.Range(0, size)
            .Select(i => _setup.ClockOffsets is { } offsets && offsets[i] != TimeSpan.Zero ? new SkewedClock(Clock, offsets[i]) : (TimeProvider)Clock)
            .ToArray();
        if (_setup.RealChain)
        {
            // Its own random, so the workload does not shift the fault schedule.
            Workload = new EhrWorkload(new Random(unchecked(seed * 31 + 7)), Clock, Ids.Select((id, i) => (id, _keys[i].PublicKey)).ToList());
            Applications = [];
        }
        else
        {
            Applications = Ids.Select(id => new SimApplication(id, Requests.ClientKey, Monitor, SimClock.GenesisTimeUnixMs)).ToArray();
        }
        _stores = Ids.Select(_ => new MemoryConsensusStore()).ToArray();
        _disks = _setup.RealChain ? Ids.Select((_, i) => SimChainStore.Create(i, _setup.Store, Random)).ToArray() : [];
        _applications = new IConsensusApplication?[size];
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
    public EhrWorkload? Workload { get; }

    /// <summary>The toy chains, when the cluster runs <see cref="SimApplication"/>; empty on the real chain.</summary>
    public SimApplication[] Applications { get; }

    /// <summary>Stops a replica and throws away its chain and store, as a node given an empty data directory.</summary>
    public void Wipe(int index)
    {
        Crash(index);
        Applications[index] = new SimApplication(Ids[index], Requests.ClientKey, Monitor, SimClock.GenesisTimeUnixMs);
        _stores[index] = new MemoryConsensusStore();
    }
    public int? ByzantineIndex { get; private set; }
    public Byzantine ByzantineKind { get; private set; }

    /// <summary>Crashes that fired inside a store write.</summary>
    public IReadOnlyList<SimulatedCrashException> CrashesAtWrites => _crashes;

    public int Size => _replicas.Length;

    public bool RealChain => _setup.RealChain;

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

    /// <summary>The second copy of a twinned validator, when the Byzantine replica is <see cref="Byzantine.Twins"/>.</summary>
    public Replica? Twin => _twin;

    public IConsensusApplication? Application(int index) => _applications[index];

    public bool IsUp(int index) => _replicas[index] is not null;

    public bool IsHonest(int index) => ByzantineIndex != index;

    public IEnumerable<int> HonestUp => Enumerable.Range(0, Size).Where(i => IsUp(i) && IsHonest(i));

    public IEnumerable<int> HonestDown => Enumerable.Range(0, Size).Where(i => !IsUp(i) && IsHonest(i));

    public void MakeByzantine(int index, Byzantine kind)
    {
        ByzantineIndex = index;
        ByzantineKind = kind;
        if (kind == Byzantine.Twins)
        {
            SplitTwins();
            StartTwin();
            return;
        }
        var behaviour = new ByzantineBehaviour(kind, Ids[index], _keys[index], Ids, Random, IsCensored);
        Network.InterceptedSender = Ids[index];
        Network.Interceptor = behaviour.Rewrite;
    }

    /// <summary>Deals the other replicas between the twins afresh: most hear one copy, now and then one hears both.</summary>
    public void SplitTwins()
    {
        var twinned = Ids[ByzantineIndex!.Value];
        var others = Ids.Where(id => id != twinned).ToList();
        List<string> first = [], second = [];
        foreach (var id in others)
        {
            switch (Random.Next(7))
            {
                case < 3:
                    first.Add(id);
                    break;
                case < 6:
                    second.Add(id);
                    break;
                default:
                    first.Add(id);
                    second.Add(id);
                    break;
            }
        }
        Network.SplitTwins(twinned, first, second);
    }

    /// <summary>Stops a replica, losing its memory but not its store or chain. Requests it accepted and
    /// that are not ordered yet are no longer owed: the only copy may have been in its memory.</summary>
    public void Crash(int index)
    {
        _owed.RemoveAll(o => o.SubmittedTo == index && !Monitor.IsOrdered(o.Request));
        _replicas[index]?.Dispose();
        _replicas[index] = null;
        _applications[index] = null;
        Network.Attach(Ids[index], null);
        if (_setup.RealChain)
        {
            _disks[index].Disarm();
            _disks[index].Close();
        }
    }

    /// <summary>Arms replica <paramref name="index"/> to die at its <paramref name="writesFromNow"/>-th durable write from now (real chain only).</summary>
    public void CrashAtWrite(int index, int writesFromNow, CrashPoint point, ArmedWrites counted = ArmedWrites.Any) => _disks[index].Arm(writesFromNow, point, counted);

    /// <summary>The disk of replica <paramref name="index"/> (real chain only).</summary>
    public SimChainStore Disk(int index) => _disks[index];

    public bool IsArmed(int index) => _setup.RealChain && _disks[index].IsArmed;

    public void Disarm(int index)
    {
        if (_setup.RealChain)
        {
            _disks[index].Disarm();
        }
    }

    /// <summary>Starts (or restarts) replica <paramref name="index"/> from its persisted store and chain.</summary>
    public void Restart(int index)
    {
        Crash(index);
        var (application, store) = _setup.RealChain ? OpenChain(Ids[index], _disks[index], _clocks[index]) : (Applications[index], _stores[index]);
        _applications[index] = application;
        var replica = CreateReplica(index, Ids[index], application, store);
        _replicas[index] = replica;
        Guarded(replica.Start);
    }

    private void StartTwin()
    {
        var index = ByzantineIndex!.Value;
        var endpoint = Network.TwinEndpoint!;
        IConsensusApplication application;
        IConsensusStore store;
        if (_setup.RealChain)
        {
            _twinDisk = SimChainStore.Create(index, _setup.Store, Random);
            (application, store) = OpenChain(endpoint, _twinDisk, _clocks[index]);
        }
        else
        {
            application = new SimApplication(endpoint, Requests.ClientKey, Monitor, SimClock.GenesisTimeUnixMs);
            store = new MemoryConsensusStore();
        }
        _twin = CreateReplica(index, endpoint, application, store);
        Guarded(_twin.Start);
    }

    private Replica CreateReplica(int index, string endpoint, IConsensusApplication application, IConsensusStore store)
    {
        Replica? replica = null;
        var setup = new ReplicaSetup(Validators, Ids[index], _keys[index], Options, Network.TransportFor(endpoint, Ids),
            application, store, _clocks[index], SimClock.GenesisTimeUnixMs);
        replica = new Replica(setup, (timer, generation) => replica?.OnTimer(timer, generation));
        Network.Attach(endpoint, replica.OnEnvelope);
        return replica;
    }

    /// <summary>The node's own application over the node's store, as NodeHost wires them; consensus records live in the same store's meta family.</summary>
    private (IConsensusApplication Application, IConsensusStore Store) OpenChain(string name, SimChainStore disk, TimeProvider clock)
    {
        var store = disk.Open();
        var genesis = Workload!.Genesis;
        GenesisBlock.Initialise(store, genesis);
        var producer = new BlockProducer(store, new EhrExecutor(genesis.ChainId));
        var application = new ChainApplication(store, producer, genesis, new ChainEvents(), new NodeMetrics(), new AdmissionClock(clock), Options.MaxRequestBytes);
        return (new MonitoredApplication(name, application, Monitor), new MetaConsensusStore(store));
    }

    /// <summary>Submits a new request to replica <paramref name="index"/>; an accepted one is owed a commit unless that replica crashes first.</summary>
    public SubmitResult? Submit(int index, bool censored = false)
    {
        var request = Workload is { } workload ? workload.Next(censored) : Requests.Create(++_requestNumber, censored);
        var replica = _replicas[index] ?? throw new InvalidOperationException($"{Ids[index]} is down.");
        _submitted.Add(request);
        SubmitResult? result = null;
        Guarded(() => result = replica.Submit(request));
        if (result == SubmitResult.Accepted && IsHonest(index) && IsUp(index))
        {
            _owed.Add((request, index));
        }
        return result;
    }

    public bool IsCensored(ByteString request) => Workload?.IsCensored(request) ?? SimRequests.IsCensored(request);

    public IReadOnlyList<ByteString> Owed => _owed.Select(o => o.Request).ToList();

    public IReadOnlyList<ByteString> Submitted => _submitted;

    public void RunFor(TimeSpan duration)
    {
        var until = Clock.NowTicks + duration.Ticks;
        while (Step(until))
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
            if (!Step(until))
            {
                Clock.AdvanceTo(until);
                return done();
            }
        }
        return true;
    }

    private bool Step(long until)
    {
        var stepped = false;
        // A crash means an event ran: keep stepping.
        return Guarded(() => stepped = Clock.Step(until)) || stepped;
    }

    /// <summary>Runs <paramref name="action"/>; a replica that dies inside a store write is taken down there and then (true).</summary>
    private bool Guarded(Action action)
    {
        try
        {
            action();
            return false;
        }
        catch (SimulatedCrashException crash)
        {
            _crashes.Add(crash);
            Crash(crash.Replica);
            return true;
        }
    }

    /// <summary>Every owed request ordered, and every honest replica that is up at the same height.</summary>
    public bool Converged()
    {
        var height = Monitor.Height;
        return _owed.All(o => Monitor.IsOrdered(o.Request))
            && HonestUp.All(i => _applications[i]!.LastExecuted.Sequence == height);
    }

    /// <summary>
    /// On the real chain: every replica's stored chain verifies (links, roots, commit certificates),
    /// a store reopened after a crash held what the durability contract allows, and every honest
    /// replica stored the same content at each height (transactions, results, state root, time) up
    /// to one head height. Whether the blocks are also byte-identical (one head hash) is reported
    /// apart, as <see cref="ChainCheck.BlockIdentity"/>.
    /// </summary>
    public ChainCheck CheckChains(bool requireEqualHeads = true)
    {
        if (!_setup.RealChain)
        {
            return new ChainCheck(null, null);
        }
        var genesisHash = GenesisBlock.Build(Workload!.Genesis).Hash;
        var problems = new List<string>();
        var honest = new List<(string Name, IChainStore Store)>();
        foreach (var (name, store, isHonest) in Enumerable.Range(0, Size).Select(i => (Ids[i], _disks[i].Current, IsHonest(i)))
            .Append((Network.TwinEndpoint ?? "", _twinDisk?.Current, false)))
        {
            if (store is null)
            {
                continue;
            }
            var verification = ChainVerifier.Verify(store, block => CheckCertificate(block, genesisHash));
            if (!verification.IsValid)
            {
                problems.Add($"{name}'s chain fails verification at {verification.FirstBadHeight}: {verification.Reason}");
            }
            if (isHonest && store.Head is not null)
            {
                honest.Add((name, store));
            }
        }
        problems.AddRange(_disks.Append(_twinDisk).OfType<SimChainStore>().SelectMany(d => d.Violations));
        string? identity = null;
        if (honest.Count > 1)
        {
            var heights = honest.Select(h => h.Store.Head!.Value.Height).ToList();
            if (requireEqualHeads && heights.Distinct().Count() > 1)
            {
                problems.Add("honest heads are at different heights: " + string.Join(", ", honest.Select(h => $"{h.Name} {h.Store.Head!.Value.Height}")));
            }
            var top = heights.Min();
            if (FirstDivergence(honest, top, ContentOf) is { } content)
            {
                problems.Add("honest replicas stored different content: " + content);
            }
            else if (FirstDivergence(honest, top, h => EhrChain.Core.Chain.BlockHashing.HeaderHash(h).ToString()) is { } hashed)
            {
                // Equal chains must hash alike: receipts, catch-up and `ehrchain verify` compare hashes.
                problems.Add("honest replicas hashed the same content apart: " + hashed);
            }
            else if (FirstDivergence(honest, top, h => h.ToString()) is { } header)
            {
                identity = "honest replicas recorded the same blocks under different views or proposers (head hashes " +
                    string.Join(", ", honest.Select(h => $"{h.Name} {h.Store.Head!.Value.Hash.ToShortString()}")) + "): " + header;
            }
        }
        return new ChainCheck(problems.Count == 0 ? null : string.Join("; ", problems), identity);
    }

    private static string ContentOf(EhrChain.Core.Wire.BlockHeader header) =>
        $"tx root {Hash.FromByteString(header.TxRoot).ToShortString()}, results root {Hash.FromByteString(header.ResultsRoot).ToShortString()}, " +
        $"state root {Hash.FromByteString(header.StateRoot).ToShortString()}, time {header.TimeUnixMs}";

    /// <summary>The first height up to <paramref name="top"/> where the stores' headers differ in <paramref name="key"/>, with the header fields that differ there.</summary>
    private static string? FirstDivergence(IReadOnlyList<(string Name, IChainStore Store)> stores, ulong top, Func<EhrChain.Core.Wire.BlockHeader, string> key)
    {
        for (ulong height = 0; height <= top; height++)
        {
            var headers = stores.Select(s => s.Store.GetBlock(height)!.Header).ToList();
            if (headers.Select(key).Distinct().Count() == 1)
            {
                continue;
            }
            var fields = EhrChain.Core.Wire.BlockHeader.Descriptor.Fields.InFieldNumberOrder()
                .Where(f => headers.Select(h => Short(f.Accessor.GetValue(h))).Distinct().Count() > 1)
                .Select(f => f.Name + " [" + string.Join(" | ", stores.Select((s, i) => s.Name + " " + Short(f.Accessor.GetValue(headers[i])))) + "]");
            return $"first at block {height}: {string.Join(", ", fields)}";
        }
        return null;
    }

    private static string Short(object? value) => value switch
    {
        ByteString bytes => Convert.ToHexString(bytes.Span[..Math.Min(4, bytes.Length)]).ToLowerInvariant(),
        _ => value?.ToString() ?? "",
    };

    private string? CheckCertificate(EhrChain.Core.Wire.Block block, Hash genesisHash)
    {
        if (block.Header.Height == 0)
        {
            return EhrChain.Core.Chain.BlockHashing.HeaderHash(block.Header) == genesisHash ? null : "block 0 is not this genesis file's";
        }
        return block.Certificate is null ? "the block has no commit certificate"
            : CommitCertificates.Verify(block.Certificate, Validators, block.Header.Height, block.Header.TimeUnixMs, block.Transactions, out var reason) ? null
            : $"bad commit certificate: {reason}";
    }

    /// <summary>Torn-write figures over the run: how many crashes fired at each point, and what the reopened RocksDB kept.</summary>
    public string DescribeCrashes()
    {
        var disks = _disks.Append(_twinDisk).OfType<SimChainStore>().ToList();
        var fired = Enum.GetValues<CrashPoint>().Select(p => $"{p} {disks.Sum(d => d.CrashesFired.GetValueOrDefault(p))}");
        return $"crashes at writes: {string.Join(", ", fired)}; torn writes lost {disks.Sum(d => d.TornWritesLost)}, kept {disks.Sum(d => d.TornWritesKept)}";
    }

    public string Describe() =>
        $"seed {Seed}, t={Clock.Elapsed.TotalSeconds:F1}s, height {Monitor.Height}, owed {_owed.Count(o => !Monitor.IsOrdered(o.Request))} unordered; " +
        string.Join("; ", Enumerable.Range(0, Size).Select(i => _replicas[i] is { } r
            ? $"{Ids[i]}{(IsHonest(i) ? "" : "(byz)")} view {r.View}{(r.ViewActive ? "" : "*")} exec {r.LastExecuted} stable {r.StableCheckpoint} pending {r.PendingRequests}"
            : $"{Ids[i]} down")) +
        (_twin is { } twin ? $"; twin view {twin.View}{(twin.ViewActive ? "" : "*")} exec {twin.LastExecuted} ({Network.DescribeTwins()})" : "");

    public void Dispose()
    {
        for (var i = 0; i < Size; i++)
        {
            _replicas[i]?.Dispose();
            _replicas[i] = null;
        }
        _twin?.Dispose();
        foreach (var disk in _disks)
        {
            disk.Dispose();
        }
        _twinDisk?.Dispose();
    }

    private static SigningKeyPair KeyFrom(Random random)
    {
        var seed = new byte[SigningKeyPair.PrivateKeySize];
        random.NextBytes(seed);
        return SigningKeyPair.FromPrivateKey(seed);
    }
}
