using System.Text;
using EhrChain.Core.Chain;
using EhrChain.Core.Wire;
using EhrChain.Storage.Snapshots;
using Google.Protobuf;
using RocksDbSharp;

namespace EhrChain.Storage.Rocks;

// Snapshots: a RocksDB snapshot pins one sequence number of the whole database, so every family
// read through it agrees with the head it read, and compaction keeps the versions it needs for as
// long as a transfer holds it open.
public sealed partial class RocksChainStore
{
    public ulong BaseHeight { get; private set; }

    public bool ImportInProgress => _db.Get(Encoding.UTF8.GetBytes(StorageEncoding.ImportMetaName), _meta) is not null;

    public IStoreSnapshot OpenSnapshot() => new StoreSnapshot(this);

    public void ImportRecords(IReadOnlyList<SnapshotRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_appendLock)
        {
            if (Head is not null)
            {
                throw new StorageException("A snapshot is imported only into an empty store.");
            }
            using var batch = new WriteBatch();
            batch.Put(Encoding.UTF8.GetBytes(StorageEncoding.ImportMetaName), new byte[] { 1 }, _meta);
            foreach (var record in records)
            {
                batch.Put(record.Key, record.Value, FamilyOf(record.Family));
            }
            // Not synced: the synced write that completes the import syncs the log before it, and
            // a crash before that leaves an unfinished import, which is discarded anyway.
            _db.Write(batch);
        }
    }

    public void CompleteImport(Block baseBlock)
    {
        ArgumentNullException.ThrowIfNull(baseBlock);
        var head = new ChainHead(baseBlock.Header.Height, BlockHashing.HeaderHash(baseBlock.Header));
        lock (_appendLock)
        {
            if (Head is not null)
            {
                throw new StorageException("A snapshot is imported only into an empty store.");
            }
            using var batch = new WriteBatch();
            var heightKey = StorageEncoding.Height(head.Height);
            batch.Put(heightKey, baseBlock.ToByteArray(), _blocks);
            batch.Put(head.Hash.ToArray(), heightKey, _blockByHash);
            batch.Put(Encoding.UTF8.GetBytes(StorageEncoding.BaseMetaName), heightKey, _meta);
            batch.Put(Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), StorageEncoding.Head(head), _meta);
            batch.Delete(Encoding.UTF8.GetBytes(StorageEncoding.ImportMetaName), _meta);
            _db.Write(batch, _syncWrite);
            BaseHeight = head.Height;
            _head = new HeadBox(head);
        }
    }

    private ColumnFamilyHandle FamilyOf(SnapshotFamily family) => family switch
    {
        SnapshotFamily.TxIndex => _txIndex,
        SnapshotFamily.State => _state,
        SnapshotFamily.History => _history,
        _ => throw new SnapshotRejectedException($"a snapshot record of family {family} is not stored as a record"),
    };

    private sealed class StoreSnapshot : IStoreSnapshot
    {
        private static readonly SnapshotFamily[] StoredFamilies = [SnapshotFamily.TxIndex, SnapshotFamily.State, SnapshotFamily.History];
        private readonly RocksChainStore _store;
        private readonly Snapshot _snapshot;

        public StoreSnapshot(RocksChainStore store)
        {
            _store = store;
            _snapshot = store._db.CreateSnapshot();
            var options = new ReadOptions().SetSnapshot(_snapshot);
            var head = store._db.Get(Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), store._meta, options);
            Head = head is null ? null : StorageEncoding.ReadHead(head);
            if (Head is { } h && store._db.Get(StorageEncoding.Height(h.Height), store._blocks, options) is { } block)
            {
                HeadBlock = StorageEncoding.ParseBlock(block, h.Height);
            }
        }

        public ChainHead? Head { get; }
        public Block? HeadBlock { get; }

        public IEnumerable<SnapshotRecord> Records(SnapshotPosition from)
        {
            foreach (var family in StoredFamilies.Where(f => f >= from.Family))
            {
                var options = new ReadOptions().SetSnapshot(_snapshot);
                using var iterator = _store._db.NewIterator(_store.FamilyOf(family), options);
                if (family == from.Family)
                {
                    iterator.Seek(from.Key);
                }
                else
                {
                    iterator.SeekToFirst();
                }
                for (; iterator.Valid(); iterator.Next())
                {
                    yield return new SnapshotRecord(family, iterator.Key(), iterator.Value());
                }
            }
        }

        public void Dispose() => _snapshot.Dispose();
    }
}

// Replacing a chain in place: every record of the chain's families goes in one synced batch with
// the import marker, so a crash never leaves half an old chain under a new one.
public sealed partial class RocksChainStore : IReplaceableStore
{
    public void BeginReplace()
    {
        lock (_appendLock)
        {
            using var batch = EmptyingBatch();
            batch.Put(Encoding.UTF8.GetBytes(StorageEncoding.ImportMetaName), new byte[] { 1 }, _meta);
            _db.Write(batch, _syncWrite);
            BaseHeight = 0;
            _head = null;
        }
    }

    public void DiscardImport()
    {
        lock (_appendLock)
        {
            using var batch = EmptyingBatch();
            batch.Delete(Encoding.UTF8.GetBytes(StorageEncoding.ImportMetaName), _meta);
            _db.Write(batch, _syncWrite);
            BaseHeight = 0;
            _head = null;
        }
    }

    private WriteBatch EmptyingBatch()
    {
        var batch = new WriteBatch();
        foreach (var family in new[] { _blocks, _blockByHash, _txIndex, _state, _history })
        {
            using var iterator = _db.NewIterator(family);
            for (iterator.SeekToFirst(); iterator.Valid(); iterator.Next())
            {
                batch.Delete(iterator.Key(), family);
            }
        }
        batch.Delete(Encoding.UTF8.GetBytes(StorageEncoding.HeadMetaName), _meta);
        batch.Delete(Encoding.UTF8.GetBytes(StorageEncoding.BaseMetaName), _meta);
        return batch;
    }
}
