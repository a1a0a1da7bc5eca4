using System.Collections.Concurrent;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Node.Events;

/// <summary>
/// Tells the rest of the node that a block was stored. Subscribers read blocks from the store by
/// height and wait on <see cref="WaitForHeightAsync"/> only when they are at the head, so a
/// subscription resumes from any height after a disconnect and a slow reader never holds up
/// execution. Clients waiting on a transaction id are completed here.
/// </summary>
public sealed class ChainEvents
{
    private readonly ConcurrentDictionary<Hash, TaskCompletionSource<TxLocation>> _waiters = new();
    private TaskCompletionSource _next = NewPulse();
    private long _head = -1;

    public long Head => Interlocked.Read(ref _head);

    /// <summary>Called once per stored block, in height order.</summary>
    public void Published(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var height = block.Header.Height;
        if (!_waiters.IsEmpty)
        {
            var ids = TransactionIds.OfBlock(block);
            for (var i = 0; i < ids.Length; i++)
            {
                if (_waiters.TryRemove(ids[i], out var waiter))
                {
                    waiter.TrySetResult(new TxLocation(height, i, block.Results[i].Code));
                }
            }
        }
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

    /// <summary>
    /// Completes when <paramref name="txId"/> is in a published block. The caller checks the store
    /// after registering, so a block published between its check and this call is not missed.
    /// </summary>
    public Task<TxLocation> WaitForTransactionAsync(Hash txId, IBlockStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var waiter = _waiters.GetOrAdd(txId, _ => new TaskCompletionSource<TxLocation>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (store.FindTransaction(txId) is { } stored)
        {
            _waiters.TryRemove(txId, out _);
            waiter.TrySetResult(stored);
        }
        return waiter.Task.WaitAsync(cancellationToken);
    }

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
