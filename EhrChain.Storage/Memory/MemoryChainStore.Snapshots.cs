using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage.Snapshots;
using Google.Protobuf;

namespace EhrChain.Storage.Memory;

// Snapshots in memory: a copy of every family taken under the lock, in the order the RocksDB store
// lists them, so the same tests hold for both.
public sealed partial class MemoryChainStore
{
    private ulong _baseHeight;
    private bool _importInProgress;

    public ulong BaseHeight
    {
        get { lock (_lock) { return _baseHeight; } }
    }

    public bool ImportInProgress
    {
        get { lock (_lock) { return _importInProgress; } }
    }

    public IStoreSnapshot OpenSnapshot()
    {
        lock (_lock)
        {
            var records = new List<SnapshotRecord>();
            records.AddRange(_txIndex
                .Select(kv => new SnapshotRecord(SnapshotFamily.TxIndex, kv.Key.ToArray(), kv.Value))
                .OrderBy(r => r.Key, ByteArrayComparer.Instance));
            records.AddRange(_state.Select(kv => new SnapshotRecord(SnapshotFamily.State, kv.Key, kv.Value)));
            records.AddRange(_history.Select(kv => new SnapshotRecord(SnapshotFamily.History, kv.Key, kv.Value)));
            var headBlock = _head is { } head ? Block.Parser.ParseFrom(_blocks[(int)(head.Height - _baseHeight)]) : null;
            return new StoreSnapshot(_head, headBlock, records);
        }
    }

    public void ImportRecords(IReadOnlyList<SnapshotRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        lock (_lock)
        {
            if (_head is not null)
            {
                throw new StorageException("A snapshot is imported only into an empty store.");
            }
            _importInProgress = true;
            foreach (var record in records)
            {
                switch (record.Family)
                {
                    case SnapshotFamily.TxIndex:
                        _txIndex[new Hash(record.Key)] = record.Value;
                        break;
                    case SnapshotFamily.State:
                        _state[record.Key] = record.Value;
                        break;
                    case SnapshotFamily.History:
                        _history[record.Key] = record.Value;
                        break;
                    default:
                        throw new SnapshotRejectedException($"a snapshot record of family {record.Family} is not stored as a record");
                }
            }
        }
    }

    public void CompleteImport(Block baseBlock)
    {
        ArgumentNullException.ThrowIfNull(baseBlock);
        var head = new ChainHead(baseBlock.Header.Height, BlockHashing.HeaderHash(baseBlock.Header));
        lock (_lock)
        {
            if (_head is not null)
            {
                throw new StorageException("A snapshot is imported only into an empty store.");
            }
            _blocks.Add(baseBlock.ToByteArray());
            _heightByHash[head.Hash] = head.Height;
            _baseHeight = head.Height;
            _head = head;
            _importInProgress = false;
        }
    }

    private sealed class StoreSnapshot(ChainHead? head, Block? headBlock, List<SnapshotRecord> records) : IStoreSnapshot
    {
        public ChainHead? Head { get; } = head;
        public Block? HeadBlock { get; } = headBlock;

        public IEnumerable<SnapshotRecord> Records(SnapshotPosition from) =>
            records.SkipWhile(r => r.Family < from.Family || (r.Family == from.Family && ByteArrayComparer.Instance.Compare(r.Key, from.Key) < 0));

        public void Dispose()
        {
        }
    }
}
