using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Storage.Memory;

/// <summary>
/// The chain store in memory, for fast tests. It keeps serialised bytes exactly as the RocksDB
/// store does, so the same tests hold for both. Thread-safe: one writer, many readers.
/// </summary>
public sealed partial class MemoryChainStore : IChainStore
{
    private readonly Lock _lock = new();
    private readonly List<byte[]> _blocks = [];
    private readonly Dictionary<Hash, ulong> _heightByHash = [];
    private readonly Dictionary<Hash, byte[]> _txIndex = [];
    private SortedDictionary<byte[], byte[]> _state = new(ByteArrayComparer.Instance);
    private readonly SortedDictionary<byte[], byte[]> _history = new(ByteArrayComparer.Instance);
    private readonly Dictionary<string, byte[]> _meta = [];
    private ChainHead? _head;

    public ChainHead? Head
    {
        get { lock (_lock) { return _head; } }
    }

    public IPendingBlockWrite Prepare(BlockCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        lock (_lock)
        {
            BlockLinkRules.CheckExtends(_head, commit);
        }
        return new PendingWrite(this, commit, commit.Block.ToByteArray());
    }

    private void Apply(BlockCommit commit, byte[] blockBytes)
    {
        lock (_lock)
        {
            // Re-checked under the lock: another block may have been appended since Prepare.
            BlockLinkRules.CheckExtends(_head, commit);
            var entries = StorageEncoding.TxIndexEntries(commit, _txIndex.ContainsKey).ToList();

            // Copy-on-write of the state, so views opened earlier keep reading the old one.
            var state = new SortedDictionary<byte[], byte[]>(_state, ByteArrayComparer.Instance);
            foreach (var (key, value) in commit.State.Writes)
            {
                if (value is null)
                {
                    state.Remove(key);
                }
                else
                {
                    state[key] = value;
                }
            }
            _state = state;
            foreach (var change in commit.History)
            {
                _history[StorageEncoding.HistoryKey(change.Key, commit.Height, change.Position)] = change.Value;
            }
            foreach (var (txId, location) in entries)
            {
                _txIndex[txId] = location;
            }
            _blocks.Add(blockBytes);
            _heightByHash[commit.Hash] = commit.Height;
            _head = new ChainHead(commit.Height, commit.Hash);
        }
    }

    public Block? GetBlock(ulong height)
    {
        byte[]? bytes;
        lock (_lock)
        {
            bytes = height >= _baseHeight && height - _baseHeight < (ulong)_blocks.Count ? _blocks[(int)(height - _baseHeight)] : null;
        }
        return bytes is null ? null : StorageEncoding.ParseBlock(bytes, height);
    }

    public Block? GetBlock(Hash hash)
    {
        ulong height;
        lock (_lock)
        {
            if (!_heightByHash.TryGetValue(hash, out height))
            {
                return null;
            }
        }
        return GetBlock(height);
    }

    public ulong? GetHeight(Hash blockHash)
    {
        lock (_lock)
        {
            return _heightByHash.TryGetValue(blockHash, out var height) ? height : null;
        }
    }

    public TxLocation? FindTransaction(Hash txId)
    {
        lock (_lock)
        {
            return _txIndex.TryGetValue(txId, out var location) ? StorageEncoding.ReadTxLocation(location) : null;
        }
    }

    public byte[]? GetValue(ReadOnlySpan<byte> key)
    {
        lock (_lock)
        {
            return _state.TryGetValue(key.ToArray(), out var value) ? value : null;
        }
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix)
    {
        using var view = OpenView();
        foreach (var item in view.ScanPrefix(prefix))
        {
            yield return item;
        }
    }

    public IStateView OpenView()
    {
        lock (_lock)
        {
            return new View(_state, _head);
        }
    }

    public IReadOnlyList<HistoryItem> GetHistory(byte[] key)
    {
        var prefix = StorageEncoding.HistoryPrefix(key);
        lock (_lock)
        {
            return ScanSorted(_history, prefix)
                .Select(kv => StorageEncoding.ReadHistoryItem(kv.Key, kv.Value))
                .ToList();
        }
    }

    public byte[]? GetMeta(string name)
    {
        lock (_lock)
        {
            return _meta.TryGetValue(name, out var value) ? (byte[])value.Clone() : null;
        }
    }

    public void PutMeta(string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_lock)
        {
            _meta[name] = (byte[])value.Clone();
        }
    }

    public void DeleteMeta(string name)
    {
        lock (_lock)
        {
            _meta.Remove(name);
        }
    }

    public IReadOnlyList<KeyValuePair<string, byte[]>> ScanMeta(string prefix)
    {
        lock (_lock)
        {
            return _meta
                .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new KeyValuePair<string, byte[]>(kv.Key, (byte[])kv.Value.Clone()))
                .ToList();
        }
    }

    /// <summary>Overwrites a stored block's bytes: tests use it to stand for tampering on disk.</summary>
    internal void OverwriteStoredBlock(ulong height, Func<byte[], byte[]> change)
    {
        lock (_lock)
        {
            var index = (int)(height - _baseHeight);
            _blocks[index] = change(_blocks[index]);
        }
    }

    public void Dispose()
    {
    }

    private static IEnumerable<KeyValuePair<byte[], byte[]>> ScanSorted(SortedDictionary<byte[], byte[]> map, byte[] prefix) =>
        // SortedDictionary has no seek; a linear pass is fine for the test-sized data this store holds.
        map.Where(kv => kv.Key.AsSpan().StartsWith(prefix));

    private sealed class View(SortedDictionary<byte[], byte[]> state, ChainHead? head) : IStateView
    {
        public ChainHead? Head { get; } = head;

        public byte[]? GetValue(ReadOnlySpan<byte> key) => state.TryGetValue(key.ToArray(), out var value) ? value : null;

        public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) => ScanSorted(state, prefix);

        public void Dispose()
        {
        }
    }

    private sealed class PendingWrite(MemoryChainStore store, BlockCommit commit, byte[] blockBytes) : IPendingBlockWrite
    {
        private bool _done;

        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _done = true;
            store.Apply(commit, blockBytes);
        }

        public void Dispose() => _done = true;
    }
}
