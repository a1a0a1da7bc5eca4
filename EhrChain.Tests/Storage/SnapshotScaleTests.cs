using System.Diagnostics;
using EhrChain.Core.Chain;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Snapshots;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Storage;

/// <summary>
/// A snapshot of a RocksDB store holding 100,000 transactions, moved chunk by chunk into an empty
/// store: what a joining node's storage does. It prints the time and the bytes moved
/// (docs/storage.md, "Snapshots"); nothing here asserts a timing. About 11 s, so it stays in the
/// default run; `--filter TestCategory=StateSync` runs it alone.
/// </summary>
[TestFixture]
[Category("StateSync")]
public sealed class SnapshotScaleTests
{
    private const int Blocks = 1000;
    private const int TransactionsPerBlock = 100;

    [Test]
    public void A_store_of_a_hundred_thousand_transactions_is_installed_elsewhere_from_its_snapshot()
    {
        using var sourceDirectory = new TempDirectory();
        using var targetDirectory = new TempDirectory();
        using var source = RocksChainStore.Open(sourceDirectory.Path);
        var build = Stopwatch.StartNew();
        for (var b = 0; b < Blocks; b++)
        {
            var block = ABlock.After(source.Head).WithTransactions(TransactionsPerBlock);
            for (var t = 0; t < TransactionsPerBlock; t++)
            {
                var record = $"record/{b:D4}/{t:D3}";
                block.Writing(record, new string('x', 200)).RecordingHistory(record, t, new string('y', 300));
            }
            using var pending = source.Prepare(block.Build());
            pending.Commit();
        }
        build.Stop();

        var transfer = Stopwatch.StartNew();
        using var export = SnapshotExport.Create(source);
        var exported = transfer.Elapsed;
        using var target = RocksChainStore.Open(targetDirectory.Path);
        var import = new SnapshotImport(target, export.Manifest, export.Digest);
        for (var i = 0; i < export.ChunkCount; i++)
        {
            import.Accept(i, export.ReadChunk(i));
        }
        import.Complete(null);
        transfer.Stop();

        TestContext.Out.WriteLine($"built {Blocks * TransactionsPerBlock:N0} transactions in {Blocks:N0} blocks in {build.Elapsed.TotalSeconds:F1} s");
        TestContext.Out.WriteLine($"snapshot: {export.ChunkCount} chunks, {export.Manifest.TotalBytes:N0} bytes; digest in {exported.TotalSeconds:F2} s, export + verify + import in {transfer.Elapsed.TotalSeconds:F2} s");
        var firstTx = TransactionIds.OfBlock(source.GetBlock(1)!)[0];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(target.Head, Is.EqualTo(source.Head));
            Assert.That(import.BytesImported, Is.EqualTo(export.Manifest.TotalBytes));
            Assert.That(target.FindTransaction(firstTx), Is.EqualTo(new TxLocation(1, 0, TxResultCode.Ok)));
            Assert.That(target.GetHistory("record/0500/042"u8.ToArray()), Has.Count.EqualTo(1));
            Assert.That(SnapshotExport.Create(target).Digest, Is.EqualTo(export.Digest));
        }
    }
}
