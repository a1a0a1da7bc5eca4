using EhrChain.Storage;
using EhrChain.Storage.Memory;
using EhrChain.Storage.Rocks;

namespace EhrChain.Tests.Consensus.Simulation;

public enum SimStoreKind
{
    Memory,
    Rocks,
}

/// <summary>
/// The disk of one simulated node: a real chain store (in memory, or RocksDB in a temporary
/// directory) that outlives the replica's crashes. A crash can be armed at a chosen durable write;
/// when it fires, the write is lost, torn or kept as <see cref="CrashPoint"/> says, and the next
/// open checks the store holds what the durability contract allows for that write.
/// </summary>
internal sealed class SimChainStore : IDisposable
{
    private readonly int _replica;
    private readonly string? _directory;
    private readonly Random _random;
    private IChainStore? _inner;
    private (int WritesLeft, CrashPoint Point, ArmedWrites Counted)? _armed;
    private (DurableWrite Write, CrashPoint Point)? _crash;
    private string? _crashImage;

    private SimChainStore(int replica, SimStoreKind kind, Random random)
    {
        _replica = replica;
        _random = random;
        Kind = kind;
        if (kind == SimStoreKind.Rocks)
        {
            _directory = Path.Combine(Path.GetTempPath(), "ehrchain-sim-" + Guid.NewGuid().ToString("N"));
        }
        else
        {
            _inner = new MemoryChainStore();
        }
    }

    public static SimChainStore Create(int replica, SimStoreKind kind, Random random) => new(replica, kind, random);

    public SimStoreKind Kind { get; }

    /// <summary>What the store held after a crash that the contract does not allow, one line each.</summary>
    public List<string> Violations { get; } = [];

    /// <summary>Crashes that fired, by point, and how many torn writes the reopened store had dropped.</summary>
    public Dictionary<CrashPoint, int> CrashesFired { get; } = [];
    public int TornWritesLost { get; private set; }
    public int TornWritesKept { get; private set; }

    /// <summary>The store as the replica sees it, opening it first if the node was down.</summary>
    public IChainStore Open()
    {
        if (_inner is null)
        {
            _inner = RocksChainStore.Open(_directory!);
        }
        if (_crash is { } crash)
        {
            _crash = null;
            CheckAfterCrash(crash.Write, crash.Point);
        }
        return new CrashingChainStore(_inner, this);
    }

    /// <summary>The store as it is now, for checks at the end of a run; null while a RocksDB node is down.</summary>
    public IChainStore? Current => _inner;

    /// <summary>The process dies: RocksDB is closed (its synced writes are on disk) and, after a torn write, replaced by the image taken at the crash.</summary>
    public void Close()
    {
        if (Kind == SimStoreKind.Memory)
        {
            return;
        }
        _inner?.Dispose();
        _inner = null;
        if (_crashImage is { } image)
        {
            Directory.Delete(_directory!, recursive: true);
            Directory.Move(image, _directory!);
            _crashImage = null;
        }
    }

    /// <summary>The <paramref name="writesFromNow"/>-th durable write from now, of the <paramref name="counted"/> kind, stops the process at <paramref name="point"/>.</summary>
    public void Arm(int writesFromNow, CrashPoint point, ArmedWrites counted = ArmedWrites.Any) => _armed = (writesFromNow, point, counted);

    public void Disarm() => _armed = null;

    public bool IsArmed => _armed is not null;

    private static bool Counts(ArmedWrites counted, DurableWrite write) => counted switch
    {
        ArmedWrites.Blocks => write.BlockHeight is not null,
        ArmedWrites.ConsensusRecords => write.BlockHeight is null,
        _ => true,
    };

    internal void Guard(DurableWrite write, Action action)
    {
        if (_armed is not { } armed || !Counts(armed.Counted, write))
        {
            action();
            return;
        }
        if (armed.WritesLeft > 1)
        {
            _armed = (armed.WritesLeft - 1, armed.Point, armed.Counted);
            action();
            return;
        }
        _armed = null;
        var point = armed.Point == CrashPoint.TornWrite && Kind == SimStoreKind.Memory ? CrashPoint.BeforeWrite : armed.Point;
        switch (point)
        {
            case CrashPoint.BeforeWrite:
                break;
            case CrashPoint.AfterWrite:
                action();
                break;
            case CrashPoint.TornWrite:
                var before = NewestLog();
                action();
                if (!TearLastWrite(before))
                {
                    point = CrashPoint.AfterWrite;
                }
                break;
        }
        CrashesFired[point] = CrashesFired.GetValueOrDefault(point) + 1;
        _crash = (write, point);
        throw new SimulatedCrashException(_replica, point, write.Description);
    }

    /// <summary>
    /// Copies the node's directory as it is on disk now (every write synced) and cuts the newest
    /// log inside the record just appended, as a power cut during that write would leave it.
    /// </summary>
    private bool TearLastWrite((string Path, long Length)? before)
    {
        var after = NewestLog();
        if (before is not { } b || after is not { } a || a.Path != b.Path || a.Length <= b.Length)
        {
            return false;
        }
        var image = _directory + ".crash";
        CopyWhileStill(_directory!, image);
        using (var log = new FileStream(Path.Combine(image, Path.GetFileName(a.Path)), FileMode.Open, FileAccess.Write))
        {
            log.SetLength(b.Length + _random.NextInt64(a.Length - b.Length));
        }
        _crashImage = image;
        return true;
    }

    /// <summary>
    /// RocksDB's background flushes and compactions go on while the directory is copied: they add
    /// files and delete the ones they replace. A copy counts only if no file appeared, vanished or
    /// changed while it was taken, so the image is the directory at one moment.
    /// </summary>
    private static void CopyWhileStill(string directory, string image)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (Directory.Exists(image))
            {
                Directory.Delete(image, recursive: true);
            }
            Directory.CreateDirectory(image);
            var before = Listing(directory);
            try
            {
                foreach (var name in before.Keys)
                {
                    File.Copy(Path.Combine(directory, name), Path.Combine(image, name));
                }
            }
            catch (FileNotFoundException)
            {
                continue;
            }
            var after = Listing(directory);
            if (after.Count == before.Count && after.All(f => before.TryGetValue(f.Key, out var seen) && seen == f.Value))
            {
                return;
            }
        }
        throw new InvalidOperationException($"{directory} kept changing while it was copied.");
    }

    private static Dictionary<string, (long Length, DateTime Written)> Listing(string directory) =>
        new DirectoryInfo(directory).GetFiles().ToDictionary(f => f.Name, f => (f.Length, f.LastWriteTimeUtc), StringComparer.Ordinal);

    private (string Path, long Length)? NewestLog()
    {
        var newest = Directory.GetFiles(_directory!, "*.log")
            .Select(f => new FileInfo(f))
            .OrderByDescending(f => f.Name, StringComparer.Ordinal)
            .FirstOrDefault();
        return newest is null ? null : (newest.FullName, newest.Length);
    }

    private void CheckAfterCrash(DurableWrite write, CrashPoint point)
    {
        var store = _inner!;
        bool isOld, kept;
        if (write.BlockHeight is { } height)
        {
            var head = store.Head?.Height;
            isOld = head == height - 1;
            kept = head == height;
        }
        else
        {
            var value = store.GetMeta(write.MetaName!);
            isOld = Same(value, write.MetaBefore);
            kept = Same(value, write.MetaAfter);
        }
        var allowed = point switch
        {
            CrashPoint.BeforeWrite => isOld,
            CrashPoint.AfterWrite => kept,
            _ => isOld || kept,
        };
        if (point == CrashPoint.TornWrite)
        {
            if (kept)
            {
                TornWritesKept++;
            }
            else
            {
                TornWritesLost++;
            }
        }
        if (!allowed)
        {
            Violations.Add($"replica {_replica} reopened after a crash {point} of {write.Description} and found {(kept ? "the write" : isOld ? "the old value" : "neither the old nor the new value")}");
        }
    }

    private static bool Same(byte[]? a, byte[]? b) => a is null ? b is null : b is not null && a.AsSpan().SequenceEqual(b);

    public void Dispose()
    {
        _inner?.Dispose();
        _inner = null;
        foreach (var directory in new[] { _directory, _directory + ".crash" })
        {
            if (directory is not null && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
