using EhrChain.Core.Chain;
using EhrChain.Core.Wire;
using EhrChain.Node.Events;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Node;

public sealed class ChainEventsTests
{
    private static BlockCommit Store(MemoryChainStore store, ABlock block)
    {
        var commit = block.Build();
        using var pending = store.Prepare(commit);
        pending.Commit();
        return commit;
    }

    [Test]
    public async Task A_wait_completes_when_its_transaction_is_published()
    {
        using var store = new MemoryChainStore();
        Store(store, ABlock.Genesis());
        var events = new ChainEvents();
        var tx = ABlock.SignedTransactionBytes();
        var txId = TransactionIds.OfSignedTransaction(tx);

        var waiting = events.WaitForTransactionAsync(txId, store, CancellationToken.None);
        var block = Store(store, ABlock.After(store.Head).WithTransactions(2).WithTransaction(tx));
        events.Published(block);

        var committed = await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(committed.Location, Is.EqualTo(new TxLocation(1, 2, TxResultCode.Ok)));
            Assert.That(committed.Published, Is.SameAs(block), "the waiter gets the commit as published, not the block read back");
            Assert.That(committed.Published!.TxIds[2], Is.EqualTo(txId));
            Assert.That(events.WaitingTransactions, Is.Zero);
        }
    }

    [Test]
    public async Task A_wait_for_a_transaction_already_stored_completes_at_once()
    {
        using var store = new MemoryChainStore();
        var tx = ABlock.SignedTransactionBytes();
        Store(store, ABlock.Genesis().WithTransaction(tx));
        var events = new ChainEvents();

        var committed = await events.WaitForTransactionAsync(TransactionIds.OfSignedTransaction(tx), store, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.That(committed.Location.Height, Is.Zero);
        Assert.That(committed.Published, Is.Null, "stored before the wait began: the caller reads it from the store");
        Assert.That(store.GetBlock(committed.Location.Height)!.Transactions[committed.Location.Position], Is.EqualTo(tx));
    }

    [Test]
    public async Task Callers_who_give_up_leave_no_waiter_behind_and_others_still_get_the_result()
    {
        using var store = new MemoryChainStore();
        Store(store, ABlock.Genesis());
        var events = new ChainEvents();
        var tx = ABlock.SignedTransactionBytes();
        var txId = TransactionIds.OfSignedTransaction(tx);
        using var giveUp = new CancellationTokenSource();

        var impatient = events.WaitForTransactionAsync(txId, store, giveUp.Token);
        var patient = events.WaitForTransactionAsync(txId, store, CancellationToken.None);
        await giveUp.CancelAsync();
        Assert.That(() => impatient, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(events.WaitingTransactions, Is.EqualTo(1));

        events.Published(Store(store, ABlock.After(store.Head).WithTransaction(tx)));

        Assert.That((await patient.WaitAsync(TimeSpan.FromSeconds(10))).Location.Height, Is.EqualTo(1UL));
        Assert.That(events.WaitingTransactions, Is.Zero);
    }

    [Test]
    public async Task Waiting_for_a_height_returns_once_a_block_at_or_above_it_is_published()
    {
        using var store = new MemoryChainStore();
        var events = new ChainEvents();
        var genesis = Store(store, ABlock.Genesis());

        var waiting = events.WaitForHeightAsync(1, CancellationToken.None);
        events.Published(genesis);
        Assert.That(waiting.IsCompleted, Is.False);
        events.Published(Store(store, ABlock.After(genesis)));

        await waiting.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(events.Head, Is.EqualTo(1));
    }
}
