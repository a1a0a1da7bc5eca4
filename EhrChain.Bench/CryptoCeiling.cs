using System.Diagnostics;
using EhrChain.Core.Crypto;

namespace EhrChain.Bench;

/// <summary>
/// The machine's Ed25519 verification rate on every core, with the node's own verifier and a
/// message the size of a benchmark transaction. Every node verifies every transaction at least
/// once, so on one machine committed tx/s cannot exceed this rate divided by the number of nodes.
/// </summary>
internal static class CryptoCeiling
{
    public sealed record Result(int Threads, double VerificationsPerSecond, double PerNode);

    public static Result Measure(int messageBytes, int nodes, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(nodes);
        var key = SigningKeyPair.Generate();
        var message = new byte[messageBytes];
        Random.Shared.NextBytes(message);
        var signature = key.Sign(SigningDomain.Transaction, message);
        var threads = Environment.ProcessorCount;
        var counts = new long[threads];
        var clock = Stopwatch.StartNew();
        using var start = new Barrier(threads);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait(cancellationToken);
            var count = 0L;
            while (clock.Elapsed < duration && !cancellationToken.IsCancellationRequested)
            {
                if (!key.PublicKey.Verify(SigningDomain.Transaction, message, signature))
                {
                    throw new InvalidOperationException("A valid signature did not verify.");
                }
                count++;
            }
            counts[t] = count;
        })
        { IsBackground = true, Name = $"ed25519-ceiling-{t}" }).ToList();
        clock.Restart();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = clock.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();
        var rate = counts.Sum() / elapsed;
        return new Result(threads, rate, rate / nodes);
    }
}
