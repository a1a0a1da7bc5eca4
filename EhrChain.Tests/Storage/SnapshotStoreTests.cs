using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Snapshots;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Storage;

/// <summary>Snapshot export and import, the same for every chain store; run against RocksDB and in memory.</summary>
public abstract class SnapshotStoreTests
{
    private readonly List<IChainStore> _opened = [];

    /// <summary>A new, empty store of the kind under test.</summary>
    protected abstract IChainStore CreateStore();

    /// <summary>Closes and opens the store again, as a node restart would.</summary>
    protected abstract IChainStore Reopen(IChainStore store);

    protected IChainStore NewStore()
    {
        var store = CreateStore();
        _opened.Add(store);
        return store;
    }

    protected void Track(IChainStore store) => _opened.Add(store);

    [TearDown]
    public void CloseStores()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }
        _opened.Clear();
    }

    private static void Append(IChainStore store, ABlock block)
    {
        using var pending = store.Prepare(block.Build());
        pending.Commit();
    }

    /// <summary>A chain with state writes, deletes, history and transactions in every block, the head block certified.</summary>
    private static void BuildChain(IChainStore store, int blocks)
    {
        for (var i = 0; i < blocks; i++)
        {
            var block = ABlock.After(store.Head).WithTransactions(3)
                .Writing($"record/{i:D4}", $"value {i}")
                .Writing("counter", i.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .RecordingHistory($"record/{i % 5}", 0, $"change {i}");
            if (i > 2)
            {
                block.Deleting($"record/{i - 2:D4}");
            }
            Append(store, block);
        }
    }

    private static CommitCertificate CertificateFor(ulong height) => new()
    {
        View = 0,
        Sequence = height,
        BatchDigest = Hash.Compute("batch"u8).ToByteString(),
        Commits = { new CommitSignature { ValidatorId = "validator-0", Signature = ByteString.CopyFrom(new byte[64]) } },
    };

    private static ChainHead Transfer(SnapshotExport export, IChainStore target, CommitCertificate? certificate = null)
    {
        var import = new SnapshotImport(target, export.Manifest, export.Digest);
        for (var i = 0; i < export.ChunkCount; i++)
        {
            import.Accept(i, export.ReadChunk(i));
        }
        return import.Complete(certificate ?? CertificateFor(export.Height));
    }

    private static List<SnapshotRecord> AllRecords(IChainStore store)
    {
        using var snapshot = store.OpenSnapshot();
        return snapshot.Records(SnapshotPosition.Start).ToList();
    }

    [Test]
    public void An_imported_snapshot_holds_the_same_state_history_and_tx_index_as_its_source()
    {
        var source = NewStore();
        BuildChain(source, 30);
        using var export = SnapshotExport.Create(source, chunkBytes: 512);
        var target = NewStore();

        var head = Transfer(export, target);

        var sourceRecords = AllRecords(source);
        var tx = TransactionIds.OfBlock(source.GetBlock(17)!)[1];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(export.ChunkCount, Is.GreaterThan(1), "the chain should not fit one chunk of 512 bytes");
            Assert.That(head, Is.EqualTo(source.Head));
            Assert.That(target.Head, Is.EqualTo(source.Head));
            Assert.That(target.BaseHeight, Is.EqualTo(29UL));
            Assert.That(AllRecords(target).Select(r => (r.Family, Convert.ToHexString(r.Key), Convert.ToHexString(r.Value))),
                Is.EqualTo(sourceRecords.Select(r => (r.Family, Convert.ToHexString(r.Key), Convert.ToHexString(r.Value)))));
            Assert.That(target.GetValue("counter"u8), Is.EqualTo("29"u8.ToArray()));
            Assert.That(target.GetValue("record/0027"u8), Is.Null);
            Assert.That(target.ScanPrefix("record/"u8.ToArray()).Count(), Is.EqualTo(source.ScanPrefix("record/"u8.ToArray()).Count()));
            Assert.That(target.GetHistory("record/3"u8.ToArray()), Has.Count.EqualTo(6));
            Assert.That(target.FindTransaction(tx), Is.EqualTo(new TxLocation(17, 1, TxResultCode.Ok)));
            Assert.That(SnapshotExport.Create(target, 512).Digest, Is.EqualTo(export.Digest), "the imported store must export the same snapshot");
        }
    }

    [Test]
    public void A_store_installed_from_a_snapshot_continues_the_chain_from_its_base_and_keeps_no_older_blocks()
    {
        var source = NewStore();
        BuildChain(source, 12);
        using var export = SnapshotExport.Create(source);
        var target = NewStore();
        Transfer(export, target);

        Append(target, ABlock.After(target.Head).WithTransactions(2).Writing("after", "base"));
        target = Reopen(target);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(target.Head?.Height, Is.EqualTo(12UL));
            Assert.That(target.BaseHeight, Is.EqualTo(11UL));
            Assert.That(target.GetBlock(10), Is.Null);
            Assert.That(target.GetBlock(0), Is.Null);
            Assert.That(target.GetBlock(11)?.Certificate, Is.EqualTo(CertificateFor(11)));
            Assert.That(target.GetBlock(source.Head!.Value.Hash)?.Header, Is.EqualTo(source.GetBlock(11)!.Header));
            Assert.That(target.GetValue("after"u8), Is.EqualTo("base"u8.ToArray()));
            var verification = ChainVerifier.Verify(target);
            Assert.That(verification.IsValid, Is.True, verification.Reason);
            Assert.That(verification.BlocksChecked, Is.EqualTo(2UL));
        }
    }

    [Test]
    public void A_chunk_changed_in_transit_is_refused_and_nothing_of_it_is_written()
    {
        var source = NewStore();
        BuildChain(source, 20);
        using var export = SnapshotExport.Create(source, chunkBytes: 256);
        var target = NewStore();
        var import = new SnapshotImport(target, export.Manifest, export.Digest);
        import.Accept(0, export.ReadChunk(0));
        var tampered = export.ReadChunk(1);
        tampered[^1] ^= 0x01;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => import.Accept(1, tampered), Throws.TypeOf<SnapshotRejectedException>().With.Message.Contains("chunk 1 does not match its hash"));
            Assert.That(import.NextChunk, Is.EqualTo(1));
            Assert.That(AllRecords(target), Has.Count.EqualTo(SnapshotChunkCodec.Decode(export.ReadChunk(0)).Count(r => r.Family != SnapshotFamily.BaseBlock)));
            Assert.That(() => import.Accept(2, export.ReadChunk(2)), Throws.TypeOf<SnapshotRejectedException>().With.Message.Contains("where chunk 1 was expected"));
            Assert.That(() => import.Complete(null), Throws.TypeOf<SnapshotRejectedException>().With.Message.Contains("still missing"));
            Assert.That(target.Head, Is.Null);
        }
    }

    [Test]
    public void A_manifest_that_does_not_hash_to_the_certified_digest_is_refused()
    {
        var source = NewStore();
        BuildChain(source, 5);
        using var export = SnapshotExport.Create(source);
        var forged = export.Manifest.Clone();
        forged.StateRoot = Hash.Compute("another state"u8).ToByteString();

        Assert.That(() => new SnapshotImport(NewStore(), forged, export.Digest),
            Throws.TypeOf<SnapshotRejectedException>().With.Message.Contains("does not hash to the certified snapshot digest"));
    }

    [Test]
    public void Blocks_stored_after_an_export_opened_do_not_change_the_chunks_it_serves()
    {
        var source = NewStore();
        BuildChain(source, 10);
        using var export = SnapshotExport.Create(source, chunkBytes: 256);
        BuildChain(source, 5);

        var chunks = Enumerable.Range(0, export.ChunkCount).Select(i => SnapshotDigest.ChunkHash(i, export.ReadChunk(i)).ToByteString());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(chunks, Is.EqualTo(export.Manifest.ChunkHashes));
            Assert.That(export.Height, Is.EqualTo(9UL));
            Assert.That(SnapshotExport.Create(source, 256).Digest, Is.Not.EqualTo(export.Digest));
        }
    }

    [Test]
    public void Stores_holding_the_same_content_with_different_certificates_export_the_same_digest()
    {
        var first = NewStore();
        BuildChain(first, 8);
        using var export = SnapshotExport.Create(first);
        var second = NewStore();
        var otherQuorum = CertificateFor(7);
        otherQuorum.Commits.Add(new CommitSignature { ValidatorId = "validator-1", Signature = ByteString.CopyFrom(new byte[64]) });
        Transfer(export, second, otherQuorum);

        using var again = SnapshotExport.Create(second);
        Assert.That(again.Digest, Is.EqualTo(export.Digest));
    }

    [Test]
    public void A_store_that_already_holds_a_chain_refuses_a_snapshot()
    {
        var source = NewStore();
        BuildChain(source, 3);
        using var export = SnapshotExport.Create(source);
        var import = new SnapshotImport(source, export.Manifest, export.Digest);

        Assert.That(() => import.Accept(0, export.ReadChunk(0)), Throws.TypeOf<StorageException>().With.Message.Contains("only into an empty store"));
    }

    [Test]
    public void An_import_cut_off_before_it_completed_leaves_a_store_without_a_head_that_says_so()
    {
        var source = NewStore();
        BuildChain(source, 20);
        using var export = SnapshotExport.Create(source, chunkBytes: 256);
        var target = NewStore();
        var import = new SnapshotImport(target, export.Manifest, export.Digest);
        import.Accept(0, export.ReadChunk(0));
        import.Accept(1, export.ReadChunk(1));

        target = Reopen(target);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(target.Head, Is.Null);
            Assert.That(target.ImportInProgress, Is.True);
            Assert.That(source.ImportInProgress, Is.False);
        }
    }

    [Test]
    public void An_empty_store_has_no_snapshot()
    {
        Assert.That(() => SnapshotExport.Create(NewStore()), Throws.TypeOf<StorageException>().With.Message.Contains("no snapshot"));
    }
}

[TestFixture]
public sealed class MemorySnapshotStoreTests : SnapshotStoreTests
{
    protected override IChainStore CreateStore() => new MemoryChainStore();

    // Memory does not outlive the process, so "reopening" keeps the same instance.
    protected override IChainStore Reopen(IChainStore store) => store;
}

[TestFixture]
public sealed class RocksSnapshotStoreTests : SnapshotStoreTests
{
    private readonly Dictionary<IChainStore, string> _directories = [];
    private readonly List<TempDirectory> _temp = [];

    protected override IChainStore CreateStore()
    {
        var directory = new TempDirectory();
        _temp.Add(directory);
        var store = RocksChainStore.Open(directory.Path);
        _directories[store] = directory.Path;
        return store;
    }

    protected override IChainStore Reopen(IChainStore store)
    {
        var path = _directories[store];
        store.Dispose();
        var reopened = RocksChainStore.Open(path);
        _directories[reopened] = path;
        Track(reopened);
        return reopened;
    }

    [TearDown]
    public void RemoveDirectories()
    {
        CloseStores();
        foreach (var directory in _temp)
        {
            directory.Dispose();
        }
        _temp.Clear();
        _directories.Clear();
    }
}
