using System.Collections.Concurrent;
using System.Diagnostics;
using EhrChain.Client;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;
using HdrHistogram;

namespace EhrChain.Bench;

/// <summary>
/// Counts what commits, from the block events of one node's Subscribe stream (not from
/// submissions): each outcome naming a transaction this run sent completes it, recording its
/// submit-to-commit latency, or its rejection reason. A transaction is registered before it is
/// sent, so a commit that overtakes the Submit reply is still matched.
/// </summary>
internal sealed class CommitTracker
{
    private readonly ConcurrentDictionary<string, Pending> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _rejections = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock;
    private readonly TimeSpan _windowStart;
    private readonly TimeSpan _windowEnd;
    private readonly BenchTimeline _timeline;
    private readonly Lock _histogramLock = new();
    private readonly LongHistogram _latency = LatencySummary.NewHistogram();
    private long _committedInWindow;
    private long _committedTotal;
    private long _rejectedInWindow;
    private long _blocks;
    private long _transactionsInBlocks;

    public CommitTracker(Stopwatch clock, TimeSpan warmup, TimeSpan duration, BenchTimeline timeline)
    {
        _clock = clock;
        _windowStart = warmup;
        _windowEnd = warmup + duration;
        _timeline = timeline;
    }

    private sealed record Pending(TimeSpan Start, SemaphoreSlim Slot);

    public long CommittedInWindow => Interlocked.Read(ref _committedInWindow);
    public long CommittedTotal => Interlocked.Read(ref _committedTotal);
    public long RejectedInWindow => Interlocked.Read(ref _rejectedInWindow);
    public int InFlight => _pending.Count;

    /// <summary>Mean transactions per block seen on the stream (all of them, not only this run's).</summary>
    public double MeanBlockSize => Interlocked.Read(ref _blocks) == 0 ? 0 : (double)Interlocked.Read(ref _transactionsInBlocks) / Interlocked.Read(ref _blocks);

    public IReadOnlyDictionary<string, long> Rejections => new SortedDictionary<string, long>(_rejections, StringComparer.Ordinal);

    public LatencySummary Latency()
    {
        lock (_histogramLock)
        {
            return LatencySummary.From(_latency);
        }
    }

    public bool InWindow(TimeSpan at) => at >= _windowStart && at < _windowEnd;

    /// <summary>Called before the transaction is sent; <paramref name="start"/> is when latency counts from.</summary>
    public void Register(string txId, TimeSpan start, SemaphoreSlim slot) => _pending[txId] = new Pending(start, slot);

    /// <summary>The node refused the transaction at Submit: it will never commit.</summary>
    public void Refused(string txId, string reason)
    {
        if (_pending.TryRemove(txId, out var pending))
        {
            Reject(pending, "submit:" + reason);
        }
    }

    /// <summary>Gives up on transactions sent more than <paramref name="age"/> ago, so a lost one does not hold a client's slot forever.</summary>
    public void ExpireOlderThan(TimeSpan age)
    {
        var limit = _clock.Elapsed - age;
        foreach (var (id, pending) in _pending)
        {
            if (pending.Start < limit && _pending.TryRemove(id, out var removed))
            {
                Reject(removed, "timeout:NOT_COMMITTED");
            }
        }
    }

    /// <summary>
    /// Reads block events from <paramref name="fromHeight"/> on until cancelled, resubscribing after
    /// a dropped stream. <paramref name="reader"/> signs one read request per stream (a validator's
    /// or an auditor's, who see every outcome), so following commits costs one signature, not one per block.
    /// </summary>
    public async Task RunAsync(Ledger.LedgerClient ledger, EhrClient reader, ulong fromHeight, CancellationToken cancellationToken)
    {
        var next = fromHeight;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var request = new SubscribeRequest { FromHeight = next };
                request.Auth = reader.Read(new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = next } });
                using var call = ledger.Subscribe(request, cancellationToken: cancellationToken);
                await foreach (var block in call.ResponseStream.ReadAllAsync(cancellationToken).ConfigureAwait(false))
                {
                    OnBlock(block);
                    next = block.Height + 1;
                }
            }
            catch (RpcException) when (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public void OnBlock(BlockEvent block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var now = _clock.Elapsed;
        if (block.Outcomes.Count > 0)
        {
            Interlocked.Increment(ref _blocks);
            Interlocked.Add(ref _transactionsInBlocks, block.Outcomes.Count);
        }
        foreach (var outcome in block.Outcomes)
        {
            if (!_pending.TryRemove(outcome.TxId, out var pending))
            {
                continue;
            }
            if (outcome.Result.Code != TxResultCode.Ok)
            {
                Reject(pending, "execution:" + outcome.Result.Code);
                continue;
            }
            Interlocked.Increment(ref _committedTotal);
            var latency = now - pending.Start;
            _timeline.Committed(now, latency);
            if (InWindow(now))
            {
                Interlocked.Increment(ref _committedInWindow);
            }
            if (InWindow(pending.Start))
            {
                lock (_histogramLock)
                {
                    LatencySummary.Record(_latency, latency);
                }
            }
            pending.Slot.Release();
        }
    }

    private void Reject(Pending pending, string reason)
    {
        var now = _clock.Elapsed;
        _rejections.AddOrUpdate(reason, 1, (_, n) => n + 1);
        _timeline.Rejected(now);
        if (InWindow(now))
        {
            Interlocked.Increment(ref _rejectedInWindow);
        }
        pending.Slot.Release();
    }
}
