using EhrChain.Core.Chain;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node;
using EhrChain.Node.AccessLog;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace EhrChain.Tests.Node;

/// <summary>
/// The node's side of the access log: an entry is durable before the read is answered, survives
/// a restart, and reaches the chain exactly once (a batch is resubmitted byte for byte).
/// </summary>
public sealed class AccessLogRecorderTests
{
    private static readonly NodeIdentity Node = new("node-0", KeyFile.Generate("node-0", KeyRole.Validator));
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2030, 1, 1, 9, 0, 0, TimeSpan.Zero));

    private AccessLogRecorder Recorder(IMetaStore store, AccessLogOptions? options = null) =>
        new(new PendingAccessLog(store), options ?? new AccessLogOptions(), Node, "test-chain", _clock);

    private static AccessLogEntry Read(string reader) => new()
    {
        RecordId = "rec-1",
        ReaderId = reader,
        NodeId = Node.Id,
        ReadUnixMs = 1,
        Basis = AccessBasis.Owner,
        Kind = AccessKind.GetRecord,
    };

    private static RecordAccessLog Carried(ByteString transaction) =>
        TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(transaction).Payload).RecordAccessLog;

    [Test]
    public void Entries_recorded_before_a_restart_are_submitted_after_it_in_the_order_they_were_read()
    {
        using var store = new MemoryChainStore();
        var before = Recorder(store);
        before.Record([Read("alice")]);
        before.Record([Read("dr-bob"), Read("lab-1")]);

        var after = Recorder(store);
        var cut = after.CutBatches();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.BatchFull.CurrentCount, Is.EqualTo(1), "restored entries are submitted at once, not after a flush interval");
            Assert.That(cut, Has.Count.EqualTo(1));
            Assert.That(Carried(cut[0]).Entries.Select(e => e.ReaderId), Is.EqualTo(new[] { "alice", "dr-bob", "lab-1" }));
            Assert.That(TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(cut[0]).Payload).SignerId, Is.EqualTo("node-0"));
        }
    }

    [Test]
    public void A_batch_cut_before_a_restart_is_resubmitted_unchanged_until_it_is_in_a_block()
    {
        using var store = new MemoryChainStore();
        var before = Recorder(store);
        before.Record([Read("alice")]);
        var submitted = before.CutBatches().Single();

        var after = Recorder(store);
        var (resubmit, _) = after.Settle(_ => null);
        var txId = TransactionIds.OfSignedTransaction(submitted.Span);
        var (again, settled) = after.Settle(id => id == txId ? new TxLocation(7, 0, TxResultCode.Ok) : null);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.CutBatches(), Is.Empty, "the entry is carried by the batch, not queued twice");
            Assert.That(resubmit, Is.EqualTo(new[] { submitted }), "the same bytes, so the same tx id: the chain executes it once");
            Assert.That(again, Is.Empty);
            Assert.That(settled.Single().Height, Is.EqualTo(7UL));
            Assert.That(after.PendingCount, Is.Zero);
            Assert.That(Recorder(store).PendingCount, Is.Zero, "a settled batch is gone from the store too");
        }
    }

    [Test]
    public void An_entry_whose_batch_was_written_before_a_crash_deleted_it_is_not_logged_twice()
    {
        using var store = new MemoryChainStore();
        var before = Recorder(store);
        before.Record([Read("alice")]);
        before.CutBatches();
        // As if the node died between writing the batch and deleting the entry it carries.
        new PendingAccessLog(store).PutEntry(1, Read("alice"));

        var after = Recorder(store);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after.PendingCount, Is.EqualTo(1));
            Assert.That(after.CutBatches(), Is.Empty);
        }
    }

    [Test]
    public void A_submitted_batch_not_in_a_block_is_resubmitted_only_after_the_resubmit_delay()
    {
        using var store = new MemoryChainStore();
        var recorder = Recorder(store, new AccessLogOptions { ResubmitAfter = TimeSpan.FromSeconds(10) });
        recorder.Record([Read("alice")]);
        var submitted = recorder.CutBatches().Single();

        var early = recorder.Settle(_ => null).Resubmit;
        _clock.Advance(TimeSpan.FromSeconds(10));
        var late = recorder.Settle(_ => null).Resubmit;

        Assert.That((early.Count, late), Is.EqualTo((0, (IReadOnlyList<ByteString>)[submitted])));
    }

    [Test]
    public void Batches_are_cut_at_the_configured_size()
    {
        using var store = new MemoryChainStore();
        var recorder = Recorder(store, new AccessLogOptions { BatchMaxEntries = 2, MaxPendingEntries = 10 });
        recorder.Record([Read("a")]);
        Assert.That(recorder.BatchFull.CurrentCount, Is.Zero);
        recorder.Record([Read("b"), Read("c")]);

        var cut = recorder.CutBatches();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(recorder.BatchFull.CurrentCount, Is.EqualTo(1), "a full batch wakes the submitter");
            Assert.That(cut.Select(t => Carried(t).Entries.Count), Is.EqualTo(new[] { 2, 1 }));
        }
    }

    [Test]
    public void A_node_that_cannot_write_the_entry_refuses_the_read()
    {
        var failing = new FailingMeta();
        var recorder = Recorder(failing);

        Assert.Throws<AccessLogUnavailableException>(() => recorder.Record([Read("alice")]));
        Assert.That(recorder.PendingCount, Is.Zero);
    }

    [Test]
    public void A_node_with_too_many_reads_not_yet_on_the_chain_refuses_more()
    {
        using var store = new MemoryChainStore();
        var recorder = Recorder(store, new AccessLogOptions { BatchMaxEntries = 2, MaxPendingEntries = 2 });
        recorder.Record([Read("a"), Read("b")]);
        recorder.CutBatches();

        var refused = Assert.Throws<AccessLogUnavailableException>(() => recorder.Record([Read("c")]));

        Assert.That(refused!.Message, Does.Contain("not on the chain yet"));
    }

    /// <summary>A store whose disk has failed: every write throws.</summary>
    private sealed class FailingMeta : IMetaStore
    {
        public byte[]? GetMeta(string name) => null;
        public void PutMeta(string name, byte[] value) => throw new IOException("disk full");
        public void DeleteMeta(string name) => throw new IOException("disk full");
        public IReadOnlyList<KeyValuePair<string, byte[]>> ScanMeta(string prefix) => [];
    }
}
