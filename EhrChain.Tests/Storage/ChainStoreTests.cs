using System.Text;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Storage;

/// <summary>The behaviour every chain store must have; run against RocksDB and in memory.</summary>
public abstract class ChainStoreTests
{
    private IChainStore _store = null!;

    protected abstract IChainStore OpenStore();

    /// <summary>Closes and opens the store again, as a node restart would.</summary>
    protected abstract IChainStore Reopen(IChainStore store);

    /// <summary>Changes the stored bytes of one block behind the store's back, as an attacker with disk access would.</summary>
    protected abstract IChainStore TamperWithStoredBlock(IChainStore store, ulong height, Func<byte[], byte[]> change);

    protected IChainStore Store => _store;

    [SetUp]
    public void OpenFreshStore() => _store = OpenStore();

    [TearDown]
    public void CloseStore() => _store.Dispose();

    protected BlockCommit Append(ABlock block)
    {
        var commit = block.Build();
        using var pending = _store.Prepare(commit);
        pending.Commit();
        return commit;
    }

    protected void AppendChain(int blocks)
    {
        for (var i = 0; i < blocks; i++)
        {
            Append(ABlock.After(_store.Head).WithTransactions(2).Writing($"key-{i}", $"value-{i}"));
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Test]
    public void An_empty_store_has_no_head()
    {
        Assert.That(_store.Head, Is.Null);
        Assert.That(_store.GetBlock(0), Is.Null);
    }

    [Test]
    public void Appended_blocks_are_found_by_height_and_by_hash()
    {
        var genesis = Append(ABlock.Genesis().WithTransactions(1));
        var next = Append(ABlock.After(genesis).WithTransactions(3));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.Head, Is.EqualTo(new ChainHead(1, next.Hash)));
            Assert.That(_store.GetBlock(1), Is.EqualTo(next.Block));
            Assert.That(_store.GetBlock(genesis.Hash), Is.EqualTo(genesis.Block));
            Assert.That(_store.GetHeight(next.Hash), Is.EqualTo(1UL));
            Assert.That(_store.GetBlock(Hash.Compute("nothing"u8)), Is.Null);
        }
    }

    [Test]
    public void A_block_that_skips_a_height_is_refused()
    {
        var genesis = Append(ABlock.Genesis());
        var skipping = ABlock.After(new ChainHead(genesis.Height + 1, genesis.Hash)).Build();

        Assert.That(() => _store.Prepare(skipping), Throws.TypeOf<StorageException>().With.Message.Contains("expected height 1"));
        Assert.That(_store.Head?.Height, Is.Zero);
    }

    [Test]
    public void A_block_that_links_to_another_parent_is_refused()
    {
        Append(ABlock.Genesis());
        var forked = ABlock.After(new ChainHead(0, Hash.Compute("another parent"u8))).Build();

        Assert.That(() => _store.Prepare(forked), Throws.TypeOf<StorageException>().With.Message.Contains("links to"));
    }

    [Test]
    public void Transactions_are_found_by_id_with_their_position_and_result()
    {
        Append(ABlock.Genesis());
        var block = Append(ABlock.After(_store.Head).WithTransactions(3));
        var ids = TransactionIds.OfBlock(block.Block);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.FindTransaction(ids[2]), Is.EqualTo(new TxLocation(1, 2, TxResultCode.Ok)));
            Assert.That(_store.FindTransaction(Hash.Compute("unknown"u8)), Is.Null);
        }
    }

    [Test]
    public void A_replayed_transaction_keeps_the_index_entry_of_its_first_appearance()
    {
        var tx = ABlock.SignedTransactionBytes();
        Append(ABlock.Genesis().WithTransaction(tx));
        Append(ABlock.After(_store.Head).WithTransactions(1).WithTransaction(tx));

        Assert.That(_store.FindTransaction(TransactionIds.OfSignedTransaction(tx)), Is.EqualTo(new TxLocation(0, 0, TxResultCode.Ok)));
    }

    [Test]
    public void State_writes_and_deletes_apply_with_their_block()
    {
        Append(ABlock.Genesis().Writing("a", "1").Writing("b", "2"));
        Append(ABlock.After(_store.Head).Writing("a", "3").Deleting("b"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.GetValue(Bytes("a")), Is.EqualTo(Bytes("3")));
            Assert.That(_store.GetValue(Bytes("b")), Is.Null);
        }
    }

    [Test]
    public void A_prefix_scan_returns_only_matching_keys_in_byte_order()
    {
        Append(ABlock.Genesis()
            .Writing("record/2", "b").Writing("record/10", "c").Writing("record/1", "a")
            .Writing("recorc", "before").Writing("recordz", "after").Writing("participant/1", "p"));

        var keys = _store.ScanPrefix(Bytes("record/")).Select(kv => Encoding.UTF8.GetString(kv.Key)).ToList();

        Assert.That(keys, Is.EqualTo(new[] { "record/1", "record/10", "record/2" }));
    }

    [Test]
    public void A_prefix_scan_ending_in_0xFF_bytes_stops_at_the_prefix_and_scans_nest()
    {
        Append(ABlock.Genesis()
            .Writing([0x01, 0xFF], "a").Writing([0x01, 0xFF, 0x00], "b").Writing([0x02], "after")
            .Writing([0xFF, 0x01], "c").Writing([0xFF, 0xFF], "d"));
        using var view = _store.OpenView();

        var nested = view.ScanPrefix([0x01, 0xFF])
            .Select(outer => (Encoding.UTF8.GetString(outer.Value), view.ScanPrefix([0xFF]).Count()))
            .ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(nested, Is.EqualTo(new[] { ("a", 2), ("b", 2) }));
            Assert.That(_store.ScanPrefix([0xFF, 0xFF]).Select(kv => Encoding.UTF8.GetString(kv.Value)), Is.EqualTo(new[] { "d" }));
        }
    }

    [Test]
    public void A_state_view_keeps_reading_the_block_it_was_opened_at()
    {
        Append(ABlock.Genesis().Writing("a", "old").Writing("gone-later", "x"));
        using var view = _store.OpenView();
        Append(ABlock.After(_store.Head).Writing("a", "new").Writing("a2", "added").Deleting("gone-later"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(view.Head?.Height, Is.Zero);
            Assert.That(view.GetValue(Bytes("a")), Is.EqualTo(Bytes("old")));
            Assert.That(view.GetValue(Bytes("gone-later")), Is.EqualTo(Bytes("x")));
            Assert.That(view.ScanPrefix(Bytes("a")).Count(), Is.EqualTo(1));
            Assert.That(_store.GetValue(Bytes("a")), Is.EqualTo(Bytes("new")));
            Assert.That(_store.ScanPrefix(Bytes("a")).Count(), Is.EqualTo(2));
        }
    }

    [Test]
    public void History_lists_changes_of_a_key_in_height_then_position_order()
    {
        Append(ABlock.Genesis().RecordingHistory("rec-1", 1, "created").RecordingHistory("rec-10", 0, "other key"));
        Append(ABlock.After(_store.Head).RecordingHistory("rec-1", 3, "second in block").RecordingHistory("rec-1", 0, "first in block"));

        var history = _store.GetHistory(Bytes("rec-1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(history.Select(h => Encoding.UTF8.GetString(h.Value)), Is.EqualTo(new[] { "created", "first in block", "second in block" }));
            Assert.That(history.Select(h => (h.Height, h.Position)), Is.EqualTo(new[] { (0UL, 1), (1UL, 0), (1UL, 3) }));
            Assert.That(_store.GetHistory(Bytes("rec-2")), Is.Empty);
        }
    }

    [Test]
    public void Meta_values_are_kept()
    {
        _store.PutMeta("consensus/view", [7]);
        _store.PutMeta("consensus/view", [8]);

        Assert.That(_store.GetMeta("consensus/view"), Is.EqualTo(new byte[] { 8 }));
        Assert.That(_store.GetMeta("missing"), Is.Null);
    }

    [Test]
    public void Meta_values_can_be_deleted_and_scanned_by_prefix_in_name_order()
    {
        _store.PutMeta("vote/10", [10]);
        _store.PutMeta("vote/2", [2]);
        _store.PutMeta("view", [1]);
        _store.PutMeta("vote/3", [3]);
        _store.DeleteMeta("vote/3");
        _store = Reopen(_store);

        var votes = _store.ScanMeta("vote/");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(votes.Select(kv => kv.Key), Is.EqualTo(new[] { "vote/10", "vote/2" }));
            Assert.That(votes.Select(kv => kv.Value[0]), Is.EqualTo(new byte[] { 10, 2 }));
            Assert.That(_store.GetMeta("vote/3"), Is.Null);
        }
    }

    [Test]
    public void A_pending_block_abandoned_before_commit_leaves_no_trace()
    {
        Append(ABlock.Genesis().Writing("a", "1"));
        var head = _store.Head;
        var abandoned = ABlock.After(head).WithTransactions(2).Writing("a", "2").Writing("b", "new").RecordingHistory("rec", 0, "x").Build();

        using (_store.Prepare(abandoned))
        {
            // Dropped without Commit, as a crash between building and writing the batch would.
        }
        _store = Reopen(_store);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.Head, Is.EqualTo(head));
            Assert.That(_store.GetBlock(1), Is.Null);
            Assert.That(_store.GetBlock(abandoned.Hash), Is.Null);
            Assert.That(_store.GetValue(Bytes("a")), Is.EqualTo(Bytes("1")));
            Assert.That(_store.GetValue(Bytes("b")), Is.Null);
            Assert.That(_store.GetHistory(Bytes("rec")), Is.Empty);
            Assert.That(_store.FindTransaction(TransactionIds.OfSignedTransaction(abandoned.Block.Transactions[0].Span)), Is.Null);
        }
    }

    [Test]
    public void A_reopened_store_resumes_at_its_last_complete_block()
    {
        AppendChain(5);
        var head = _store.Head;

        _store = Reopen(_store);
        Append(ABlock.After(_store.Head).Writing("after-restart", "yes"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_store.GetBlock(head!.Value.Height), Is.Not.Null);
            Assert.That(_store.Head?.Height, Is.EqualTo(5UL));
            Assert.That(_store.GetValue(Bytes("key-4")), Is.EqualTo(Bytes("value-4")));
            Assert.That(ChainVerifier.Verify(_store).IsValid, Is.True);
        }
    }

    [Test]
    public void An_untouched_chain_verifies()
    {
        AppendChain(10);

        var result = ChainVerifier.Verify(_store);

        Assert.That(result, Is.EqualTo(new ChainVerification(10, null, null)));
    }

    // Offsets run through the whole serialised block: header fields, transactions and results.
    [TestCase(3UL, 5)]
    [TestCase(3UL, 40)]
    [TestCase(3UL, -20)]
    [TestCase(9UL, 60)]
    [TestCase(0UL, 10)]
    public void A_block_with_one_byte_changed_on_disk_is_named_by_verification(ulong height, int offset)
    {
        AppendChain(10);

        _store = TamperWithStoredBlock(_store, height, bytes =>
        {
            var changed = (byte[])bytes.Clone();
            var at = offset >= 0 ? offset : changed.Length + offset;
            changed[at] ^= 0x01;
            return changed;
        });
        var result = ChainVerifier.Verify(_store);

        Assert.That(result.FirstBadHeight, Is.EqualTo(height), result.Reason);
    }

    [Test]
    public void A_block_whose_results_were_changed_is_named_by_verification()
    {
        AppendChain(4);

        _store = TamperWithStoredBlock(_store, 2, bytes =>
        {
            var block = Block.Parser.ParseFrom(bytes);
            block.Results[0] = new TxResult { Code = TxResultCode.AccessDenied, Reason = "rewritten" };
            return Google.Protobuf.MessageExtensions.ToByteArray(block);
        });

        var result = ChainVerifier.Verify(_store);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.FirstBadHeight, Is.EqualTo(2UL));
            Assert.That(result.Reason, Does.Contain("results root"));
        }
    }

    [Test]
    public void A_block_whose_transactions_were_swapped_is_named_by_verification()
    {
        AppendChain(4);

        _store = TamperWithStoredBlock(_store, 1, bytes =>
        {
            var block = Block.Parser.ParseFrom(bytes);
            (block.Transactions[0], block.Transactions[1]) = (block.Transactions[1], block.Transactions[0]);
            return Google.Protobuf.MessageExtensions.ToByteArray(block);
        });

        var result = ChainVerifier.Verify(_store);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.FirstBadHeight, Is.EqualTo(1UL));
            Assert.That(result.Reason, Does.Contain("tx root"));
        }
    }

    [Test]
    public void An_extra_check_failing_names_the_block()
    {
        AppendChain(3);

        var result = ChainVerifier.Verify(_store, block => block.Header.Height == 2 ? "no certificate" : null);

        Assert.That(result, Is.EqualTo(new ChainVerification(2, 2, "no certificate")));
    }
}
