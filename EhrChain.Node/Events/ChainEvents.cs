using EhrChain.Core.Crypto;
using EhrChain.Storage;

namespace EhrChain.Node.Events;

/// <summary>
/// Tells the rest of the node that a block was stored. Subscribers read blocks from the store by
/// height and wait on <see cref="WaitForHeightAsync"/> only when they are at the head, so a
/// subscription resumes from any height after a disconnect and a slow reader never holds up
/// execution; one at the head takes the <see cref="Latest"/> commit as it was published. Clients
/// waiting on a transaction id are completed here with the commit that holds it.
/// </summary>
public sealed class ChainEvents
{
    private readonly Lock _waitersLock = new();
    private readonly Dictionary<Hash, Waiter> _waiters = [];
    private TaskCompletionSource _next = NewPulse();
    private long _head = -1;
    private BlockCommit? _latest;

    public long Head => Interlocked.Read(ref _head);

    /// <summary>The last block published, with its hash and transaction ids; null before the first.</summary>
    public BlockCommit? Latest => Volatile.Read(ref _latest);

    /// <summary>Called once per stored block, in height order.</summary>
    public void Published(BlockCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        var block = commit.Block;
        var height = block.Header.Height;
        lock (_waitersLock)
        {
            if (_waiters.Count > 0)
            {
                var ids = commit.TxIds;
                for (var i = 0; i < ids.Count; i++)
                {
                    // Completed here, removed by the last caller waiting on it.
                    if (_waiters.TryGetValue(ids[i], out var waiter))
                    {
                        waiter.Source.TrySetResult(new CommittedTransaction(new TxLocation(height, i, block.Results[i].Code), commit));
                    }
                }
            }
        }
        Volatile.Write(ref _latest, commit);
        Interlocked.Exchange(ref _head, (long)height);
        Interlocked.Exchange(ref _next, NewPulse()).TrySetResult();
    }

    /// <summary>Completes once a block at or above <paramref name="height"/> has been published.</summary>
    public async Task WaitForHeightAsync(ulong height, CancellationToken cancellationToken)
    {
        while (Head < (long)height)
        {
            var pulse = Volatile.Read(ref _next).Task;
            if (Head >= (long)height)
            {
                return;
            }
            await pulse.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Transactions someone is waiting on; a caller that gives up leaves nothing behind.</summary>
    internal int WaitingTransactions
    {
        get { lock (_waitersLock) { return _waiters.Count; } }
    }

    /// <summary>
    /// Completes when <paramref name="txId"/> is in a published block, with that block's commit. The
    /// store is checked after registering, so a block published between the caller's check and this
    /// call is not missed. Several callers may wait on one transaction; the last to finish or give up removes it.
    /// </summary>
    public async Task<CommittedTransaction> WaitForTransactionAsync(Hash txId, IBlockStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        Waiter waiter;
        lock (_waitersLock)
        {
            if (!_waiters.TryGetValue(txId, out waiter!))
            {
                waiter = new Waiter();
                _waiters[txId] = waiter;
            }
            waiter.Callers++;
        }
        try
        {
            if (store.FindTransaction(txId) is { } stored)
            {
                waiter.Source.TrySetResult(new CommittedTransaction(stored, null));
            }
            return await waiter.Source.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_waitersLock)
            {
                if (--waiter.Callers == 0)
                {
                    _waiters.Remove(txId);
                }
            }
        }
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Waiter
    {
        public TaskCompletionSource<CommittedTransaction> Source { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Guarded by the events' waiter lock.</summary>
        public int Callers { get; set; }
    }
}

/// <summary>
/// Where a transaction was committed, and the commit of that block as it was published; null when
/// the block was stored before the caller began to wait (then it is in the store).
/// </summary>
public sealed record CommittedTransaction(TxLocation Location, BlockCommit? Published);
