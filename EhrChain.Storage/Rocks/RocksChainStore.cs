using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;
using RocksDbSharp;

namespace EhrChain.Storage.Rocks;

/// <summary>
/// The chain store on RocksDB. Each concern has its own column family; a block and everything it
/// changes go in one synced WriteBatch, so a crash leaves the previous block or the new one.
/// </summary>
public sealed partial class RocksChainStore : IChainStore
{
    internal const string BlocksFamily = "blocks";
    private const string BlockByHashFamily = "block-by-hash";
    private const string TxIndexFamily = "tx-index";
    private const string StateFamily = "state";
    private const string HistoryFamily = "history";
    private const string MetaFamily = "meta";
    private static readonly string[] Families = [BlocksFamily, BlockByHashFamily, TxIndexFamily, StateFamily, HistoryFamily, MetaFamily];

    private readonly RocksDb _db;
    private readonly ColumnFamilyHandle _blocks, _blockByHash, _txIndex, _state, _history, _meta;
    private readonly WriteOptions _syncWrite = new WriteOptions().SetSync(true);
    private readonly Lock _appendLock = new();
    private volatile HeadBox? _head;

    private RocksChainStore(RocksDb db)
    {
        _db = db;
        _blocks = db.GetColumnFamily(BlocksFamily);
        _blockByHash = db.GetColumnFamily(BlockByHashFamily);
        _txIndex = db.GetColumnFamily(TxIndexFamily);
        _state = db.GetColumnFamily(StateFamily);
        _history = db.GetColumnFamily(HistoryFamily);
        _meta = db.GetColumnFamily(MetaFamily);
        var head = db.Get(System.Text.Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), _meta);
        _head = head is null ? null : new HeadBox(StorageEncoding.ReadHead(head));
        var baseHeight = db.Get(System.Text.Encoding.UTF8.GetBytes(StorageEncoding.BaseMetaName), _meta);
        BaseHeight = baseHeight is null ? 0 : StorageEncoding.ReadHeight(baseHeight);
    }

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>; it resumes at the last complete block.</summary>
    public static RocksChainStore Open(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        try
        {
            Directory.CreateDirectory(directory);
            return new RocksChainStore(RocksDb.Open(CreateOptions(), directory, CreateFamilies()));
        }
        catch (RocksDbException e)
        {
            throw new StorageException($"Cannot open the chain store in '{directory}': {e.Message}", e);
        }
    }

    /// <summary>
    /// Opens the store read-only, beside a node that may be running on it (for `ehrchain verify`):
    /// it sees the blocks written up to the moment it opened.
    /// </summary>
    public static RocksChainStore OpenReadOnly(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!File.Exists(Path.Combine(directory, "CURRENT")))
        {
            throw new StorageException($"'{directory}' holds no chain store.");
        }
        try
        {
            return new RocksChainStore(RocksDb.OpenReadOnly(new DbOptions(), directory, CreateFamilies(), errIfLogFileExists: false));
        }
        catch (RocksDbException e)
        {
            throw new StorageException($"Cannot open the chain store in '{directory}': {e.Message}", e);
        }
    }

    // Memory bounds. RocksDB's defaults give every column family its own 64 MiB memtables (two
    // each) and its own block cache, several hundred MiB for six families under a steady write
    // load; a node's memory target is 400 MB in all. Memtables of all families together are
    // capped, and one block cache is shared by every family (and every store in the process).
    private const ulong TotalMemtableBytes = 64UL * 1024 * 1024;
    private const ulong FamilyMemtableBytes = 16UL * 1024 * 1024;
    private const ulong MaxWalBytes = 128UL * 1024 * 1024;
    private static readonly Cache SharedBlockCache = Cache.CreateLru(32UL * 1024 * 1024);

    // Recovery after a crash replays the WAL up to its first damaged record and stops there
    // (point in time). Every write is synced before it returns, so a torn tail can only hold a
    // batch that never returned, a block nobody was told of; the store opens at the last complete
    // block and the node fetches the rest from its peers. AbsoluteConsistency would refuse to
    // open on that same torn tail and leave the node down after a power cut; tolerating corrupt
    // tail records could skip a record and replay later ones, a state no block ever had.
    internal static DbOptions CreateOptions() =>
        new DbOptions()
            .SetCreateIfMissing(true)
            .SetCreateMissingColumnFamilies(true)
            .SetDbWriteBufferSize(TotalMemtableBytes)
            .SetMaxTotalWalSize(MaxWalBytes)
            .SetWalRecoveryMode(Recovery.PointInTime);

    internal static ColumnFamilies CreateFamilies()
    {
        var families = new ColumnFamilies(FamilyOptions());
        foreach (var name in Families.Where(n => n != ColumnFamilies.DefaultName))
        {
            families.Add(name, FamilyOptions());
        }
        return families;
    }

    // Most point reads miss: every new transaction's id is looked up in the tx index at admission
    // and at execution before it is stored. A whole-key bloom filter per table file, and one over
    // each memtable, answer a miss without searching the memtable skip lists and every level's
    // index; 10 bits per key gives about 1% false positives.
    private const int BloomBitsPerKey = 10;
    private const double MemtableBloomRatio = 0.02;

    private static ColumnFamilyOptions FamilyOptions()
    {
        var table = new BlockBasedTableOptions()
            .SetBlockCache(SharedBlockCache)
            .SetCacheIndexAndFilterBlocks(true)
            .SetPinL0FilterAndIndexBlocksInCache(true)
            .SetFilterPolicy(BloomFilterPolicy.Create(BloomBitsPerKey, false))
            .SetWholeKeyFiltering(true)
            .SetIndexType(BlockBasedTableIndexType.TwoLevelIndex);
        // Index and filters in partitions of 4 KiB under a small pinned top level. A table's
        // index and filter live in the bounded block cache; whole, they are one block per table
        // file (hundreds of KiB once a compaction has written large files), and when the cache
        // evicted one, the next read of any key in that file loaded and parsed all of it again:
        // under load a node spent a sixth of its CPU re-reading index blocks and throughput fell
        // by 40% about 45 s into a benchmark. A partition costs one small block read.
        Native.Instance.rocksdb_block_based_options_set_partition_filters(table.Handle, 1);
        Native.Instance.rocksdb_block_based_options_set_metadata_block_size(table.Handle, 4096);
        Native.Instance.rocksdb_block_based_options_set_pin_top_level_index_and_filter(table.Handle, 1);
        Native.Instance.rocksdb_block_based_options_set_cache_index_and_filter_blocks_with_high_priority(table.Handle, 1);
        // No compression: what a node stores is mostly ciphertext, signatures and hashes, which
        // do not compress; LZ4 still ran over every byte at each flush and compaction.
        var options = new ColumnFamilyOptions()
            .SetCompression(Compression.No)
            .SetWriteBufferSize(FamilyMemtableBytes)
            .SetMaxWriteBufferNumber(2)
            .SetMemtablePrefixBloomSizeRatio(MemtableBloomRatio)
            .SetBlockBasedTableFactory(table);
        Native.Instance.rocksdb_options_set_memtable_whole_key_filtering(options.Handle, 1);
        return options;
    }

    public ChainHead? Head => _head?.Value;

    public IPendingBlockWrite Prepare(BlockCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        BlockLinkRules.CheckExtends(Head, commit);

        var batch = new WriteBatch();
        var heightKey = StorageEncoding.Height(commit.Height);
        batch.Put(heightKey, commit.Block.ToByteArray(), _blocks);
        batch.Put(commit.Hash.ToArray(), heightKey, _blockByHash);
        foreach (var (txId, location) in StorageEncoding.TxIndexEntries(commit, id => _db.Get(id.ToArray(), _txIndex) is not null))
        {
            batch.Put(txId.ToArray(), location, _txIndex);
        }
        foreach (var (key, value) in commit.State.Writes)
        {
            if (value is null)
            {
                batch.Delete(key, _state);
            }
            else
            {
                batch.Put(key, value, _state);
            }
        }
        foreach (var change in commit.History)
        {
            batch.Put(StorageEncoding.HistoryKey(change.Key, commit.Height, change.Position), change.Value, _history);
        }
        var head = new ChainHead(commit.Height, commit.Hash);
        batch.Put(System.Text.Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), StorageEncoding.Head(head), _meta);
        return new PendingWrite(this, commit, batch, head);
    }

    private void Write(BlockCommit commit, WriteBatch batch, ChainHead head)
    {
        lock (_appendLock)
        {
            BlockLinkRules.CheckExtends(Head, commit);
            _db.Write(batch, _syncWrite);
            _head = new HeadBox(head);
        }
    }

    public Block? GetBlock(ulong height)
    {
        var bytes = _db.Get(StorageEncoding.Height(height), _blocks);
        return bytes is null ? null : StorageEncoding.ParseBlock(bytes, height);
    }

    public Block? GetBlock(Hash hash)
    {
        return GetHeight(hash) is { } height ? GetBlock(height) : null;
    }

    public ulong? GetHeight(Hash blockHash)
    {
        var height = _db.Get(blockHash.ToArray(), _blockByHash);
        return height is null ? null : StorageEncoding.ReadHeight(height);
    }

    public TxLocation? FindTransaction(Hash txId)
    {
        var location = _db.Get(txId.ToArray(), _txIndex);
        return location is null ? null : StorageEncoding.ReadTxLocation(location);
    }

    public byte[]? GetValue(ReadOnlySpan<byte> key) => _db.Get(key.ToArray(), _state);

    public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix)
    {
        using var view = OpenView();
        foreach (var item in view.ScanPrefix(prefix))
        {
            yield return item;
        }
    }

    public IStateView OpenView() => new SnapshotView(this);

    public IReadOnlyList<HistoryItem> GetHistory(byte[] key) =>
        Scan(_history, StorageEncoding.HistoryPrefix(key))
            .Select(kv => StorageEncoding.ReadHistoryItem(kv.Key, kv.Value))
            .ToList();

    public byte[]? GetMeta(string name) => _db.Get(System.Text.Encoding.UTF8.GetBytes(name), _meta);

    public void PutMeta(string name, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(value);
        _db.Put(System.Text.Encoding.UTF8.GetBytes(name), value, _meta, _syncWrite);
    }

    public void DeleteMeta(string name) => _db.Remove(System.Text.Encoding.UTF8.GetBytes(name), _meta, _syncWrite);

    // UTF-8 byte order is code point order, which is ordinal order for the ASCII names used here.
    public IReadOnlyList<KeyValuePair<string, byte[]>> ScanMeta(string prefix) =>
        Scan(_meta, System.Text.Encoding.UTF8.GetBytes(prefix))
            .Select(kv => new KeyValuePair<string, byte[]>(System.Text.Encoding.UTF8.GetString(kv.Key), kv.Value))
            .ToList();

    public void Dispose()
    {
        // Idempotent: the host and the DI container may both dispose it; RocksDB must be closed once.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _db.Dispose();
        }
    }

    private int _disposed;

    private IEnumerable<KeyValuePair<byte[], byte[]>> Scan(ColumnFamilyHandle family, byte[] prefix, Snapshot? snapshot = null)
    {
        // Options of its own per scan: the bound must outlive this iterator, and scans nest.
        var options = new ReadOptions();
        if (snapshot is not null)
        {
            options.SetSnapshot(snapshot);
        }
        // The upper bound stops the iterator at the end of the prefix inside RocksDB, so it does
        // not read on into the next key's blocks only to be told to stop.
        if (StorageEncoding.PrefixEnd(prefix) is { } end)
        {
            options.SetIterateUpperBound(end);
        }
        using var iterator = _db.NewIterator(family, options);
        for (iterator.Seek(prefix); iterator.Valid(); iterator.Next())
        {
            var key = iterator.Key();
            if (!key.AsSpan().StartsWith(prefix))
            {
                yield break;
            }
            yield return new KeyValuePair<byte[], byte[]>(key, iterator.Value());
        }
    }

    // A class box so the head (two fields) is replaced in one reference write.
    private sealed record HeadBox(ChainHead Value);

    private sealed class SnapshotView : IStateView
    {
        private readonly RocksChainStore _store;
        private readonly Snapshot _snapshot;
        private readonly ReadOptions _options;

        public SnapshotView(RocksChainStore store)
        {
            _store = store;
            _snapshot = store._db.CreateSnapshot();
            _options = new ReadOptions().SetSnapshot(_snapshot);
            var head = store._db.Get(System.Text.Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), store._meta, _options);
            Head = head is null ? null : StorageEncoding.ReadHead(head);
        }

        public ChainHead? Head { get; }

        public byte[]? GetValue(ReadOnlySpan<byte> key) => _store._db.Get(key.ToArray(), _store._state, _options);

        public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) => _store.Scan(_store._state, prefix, _snapshot);

        public void Dispose() => _snapshot.Dispose();
    }

    private sealed class PendingWrite(RocksChainStore store, BlockCommit commit, WriteBatch batch, ChainHead head) : IPendingBlockWrite
    {
        private bool _done;

        public void Commit()
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _done = true;
            try
            {
                store.Write(commit, batch, head);
            }
            finally
            {
                batch.Dispose();
            }
        }

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                batch.Dispose();
            }
        }
    }
}
