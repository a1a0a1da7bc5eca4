using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Snapshots;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// The real chain store of one simulated node with every durable write (a block's WriteBatch, a
/// consensus record in the meta family) passed through <see cref="SimChainStore.Guard"/>, which
/// may stop the process at that write. Reads go straight through.
/// </summary>
internal sealed class CrashingChainStore(IChainStore inner, SimChainStore owner) : IChainStore
{
    public ChainHead? Head => inner.Head;
    public ulong BaseHeight => inner.BaseHeight;
    public bool ImportInProgress => inner.ImportInProgress;

    public IPendingBlockWrite Prepare(BlockCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return new GuardedWrite(inner.Prepare(commit), owner, commit.Height);
    }

    public Block? GetBlock(ulong height) => inner.GetBlock(height);
    public Block? GetBlock(Hash hash) => inner.GetBlock(hash);
    public ulong? GetHeight(Hash blockHash) => inner.GetHeight(blockHash);
    public TxLocation? FindTransaction(Hash txId) => inner.FindTransaction(txId);
    public byte[]? GetValue(ReadOnlySpan<byte> key) => inner.GetValue(key);
    public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) => inner.ScanPrefix(prefix);
    public IStateView OpenView() => inner.OpenView();
    public IReadOnlyList<HistoryItem> GetHistory(byte[] key) => inner.GetHistory(key);
    public byte[]? GetMeta(string name) => inner.GetMeta(name);
    public IReadOnlyList<KeyValuePair<string, byte[]>> ScanMeta(string prefix) => inner.ScanMeta(prefix);

    public IStoreSnapshot OpenSnapshot() => inner.OpenSnapshot();

    // A snapshot install is not among the writes this store may tear: the simulation's state
    // sync runs on the toy chain, and an interrupted install is tested by the snapshot tests.
    public void ImportRecords(IReadOnlyList<SnapshotRecord> records) => inner.ImportRecords(records);
    public void CompleteImport(Block baseBlock) => inner.CompleteImport(baseBlock);

    public void PutMeta(string name, byte[] value) => owner.Guard(DurableWrite.Meta(name, inner.GetMeta(name), value), () => inner.PutMeta(name, value));

    public void DeleteMeta(string name) => owner.Guard(DurableWrite.Meta(name, inner.GetMeta(name), null), () => inner.DeleteMeta(name));

    // The store belongs to the simulated node's disk, not to this process: the owner closes it.
    public void Dispose()
    {
    }

    private sealed class GuardedWrite(IPendingBlockWrite write, SimChainStore owner, ulong height) : IPendingBlockWrite
    {
        public void Commit() => owner.Guard(DurableWrite.Block(height), write.Commit);

        public void Dispose() => write.Dispose();
    }
}

/// <summary>One durable write and what the store held for it before, so a lost write can be checked to have left exactly that.</summary>
internal sealed record DurableWrite(string Description, ulong? BlockHeight, string? MetaName, byte[]? MetaBefore, byte[]? MetaAfter)
{
    public static DurableWrite Block(ulong height) => new($"block {height}", height, null, null, null);

    public static DurableWrite Meta(string name, byte[]? before, byte[]? after) => new($"meta '{name}'", null, name, before, after);
}
