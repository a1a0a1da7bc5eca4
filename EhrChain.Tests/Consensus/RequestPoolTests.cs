using EhrChain.Consensus;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus;

/// <summary>
/// The pool keeps the count and size of the requests not in flight as they change; these compare
/// its answers with a plain model of the same operations (add, mark in flight, take, remove,
/// clear), including digests marked in flight before the request arrives.
/// </summary>
public sealed class RequestPoolTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Batch_readiness_matches_a_model_over_random_operations(int seed)
    {
        var random = new Random(seed);
        var pool = new RequestPool(capacity: 40);
        var model = new List<(Hash Digest, int Length)>();
        var inFlight = new HashSet<Hash>();
        var digests = Enumerable.Range(0, 60).Select(i => Hash.Compute(BitConverter.GetBytes(i))).ToArray();
        var lengths = digests.ToDictionary(d => d, _ => random.Next(1, 300));

        for (var step = 0; step < 5_000; step++)
        {
            var digest = digests[random.Next(digests.Length)];
            switch (random.Next(6))
            {
                case 0 or 1:
                    var added = pool.TryAdd(digest, ByteString.CopyFrom(new byte[lengths[digest]]), step);
                    Assert.That(added, Is.EqualTo(model.All(e => e.Digest != digest) && model.Count < 40));
                    if (added)
                    {
                        model.Add((digest, lengths[digest]));
                    }
                    break;
                case 2:
                    pool.MarkInFlight(digest);
                    inFlight.Add(digest);
                    break;
                case 3:
                    pool.Remove(digest);
                    model.RemoveAll(e => e.Digest == digest);
                    inFlight.Remove(digest);
                    break;
                case 4:
                    var maxCount = random.Next(1, 8);
                    var taken = pool.TakeBatch(maxCount, maxBytes: 600);
                    var expected = ModelTake(model, inFlight, maxCount, 600);
                    Assert.That(taken.Select(r => r.Request.Length), Is.EqualTo(expected.Select(e => e.Length)));
                    Assert.That(taken.Select(r => r.Digest), Is.EqualTo(expected.Select(e => e.Digest)));
                    inFlight.UnionWith(expected.Select(e => e.Digest));
                    break;
                default:
                    if (random.Next(20) == 0)
                    {
                        pool.ClearInFlight();
                        inFlight.Clear();
                    }
                    break;
            }

            var proposable = model.Where(e => !inFlight.Contains(e.Digest)).ToList();
            var count = random.Next(1, 10);
            var bytes = random.Next(1, 1_500);
            Assert.That(pool.HasProposable(), Is.EqualTo(proposable.Count > 0), $"step {step}");
            Assert.That(pool.HasFullBatch(count, bytes), Is.EqualTo(proposable.Count >= count || proposable.Sum(e => e.Length) >= bytes), $"step {step}");
            Assert.That(pool.Count, Is.EqualTo(model.Count));
        }
    }

    private static List<(Hash Digest, int Length)> ModelTake(List<(Hash Digest, int Length)> model, HashSet<Hash> inFlight, int maxCount, int maxBytes)
    {
        var batch = new List<(Hash Digest, int Length)>();
        var bytes = 0;
        foreach (var entry in model.Where(e => !inFlight.Contains(e.Digest)))
        {
            if (batch.Count >= maxCount || bytes + entry.Length > maxBytes)
            {
                break;
            }
            batch.Add(entry);
            bytes += entry.Length;
        }
        return batch;
    }
}
