using System.Diagnostics;

namespace EhrChain.Bench;

/// <summary>
/// One client of the load: its own connection to one node and its own queue of pre-signed
/// transactions. Open loop: each is sent at its due time whether or not earlier ones have
/// committed, bounded only by a large in-flight cap so a stalled cluster cannot exhaust memory.
/// Closed loop: at most <c>inFlight</c> transactions are uncommitted at a time, and the next one
/// goes as soon as one commits. Sending never awaits the reply before the next send.
/// </summary>
internal sealed class LoadClient(
    int index,
    IBenchSubmitter submitter,
    IReadOnlyList<PresignedTx> queue,
    OpenLoopSchedule? schedule,
    int inFlight,
    CommitTracker tracker,
    BenchTimeline timeline,
    Stopwatch clock) : IAsyncDisposable
{
    private readonly SemaphoreSlim _slots = new(inFlight, inFlight);
    private long _sent;

    public int Index => index;

    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>True when the queue ran out before the run ended: the run needed more pre-signed transactions.</summary>
    public bool Exhausted { get; private set; }

    public async Task RunAsync(TimeSpan stopAt, CancellationToken cancellationToken)
    {
        var sends = new List<Task>();
        var stopped = false;
        foreach (var tx in queue)
        {
            TimeSpan start;
            if (schedule is not null)
            {
                var due = schedule.DueAt(tx.Index);
                if (due >= stopAt)
                {
                    stopped = true;
                    break;
                }
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                if (!await WaitForSlotAsync(stopAt, cancellationToken).ConfigureAwait(false))
                {
                    stopped = true;
                    break;
                }
                start = due;
            }
            else
            {
                if (!await WaitForSlotAsync(stopAt, cancellationToken).ConfigureAwait(false))
                {
                    stopped = true;
                    break;
                }
                start = clock.Elapsed;
            }
            sends.Add(SendAsync(tx, start, cancellationToken));
            if (sends.Count >= 1024)
            {
                sends.RemoveAll(t => t.IsCompleted);
            }
        }
        Exhausted = !stopped && !cancellationToken.IsCancellationRequested;
        await Task.WhenAll(sends).ConfigureAwait(false);
        await submitter.CompleteAsync().ConfigureAwait(false);
    }

    /// <summary>Waits for room in the window until the run's end; false when the run ended first.</summary>
    private async Task<bool> WaitForSlotAsync(TimeSpan stopAt, CancellationToken cancellationToken)
    {
        var left = stopAt - clock.Elapsed;
        return left > TimeSpan.Zero && await _slots.WaitAsync(left, cancellationToken).ConfigureAwait(false);
    }

    private Task SendAsync(PresignedTx tx, TimeSpan start, CancellationToken cancellationToken)
    {
        tracker.Register(tx.TxId, start, _slots);
        timeline.Submitted(clock.Elapsed);
        Interlocked.Increment(ref _sent);
        return submitter.SendAsync(tx, cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await submitter.DisposeAsync().ConfigureAwait(false);
        _slots.Dispose();
    }
}
