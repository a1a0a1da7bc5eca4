using System.Collections.Concurrent;
using System.Diagnostics;
using EhrChain.Client.Session;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Node.Network;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Crash;

/// <summary>
/// Four `ehrchain node run` processes over TLS on real RocksDB, written to by concurrent clients
/// while nodes are killed with SIGKILL (the primary, two at once, all four) and paused with
/// SIGSTOP. Every write a client was told had committed must be in every node's store afterwards,
/// the heads equal, and each store must pass the chain verifier.
/// </summary>
[Category("Crash")]
[Explicit("Starts real node processes and runs for about a minute.")]
[NonParallelizable]
public sealed class ProcessCrashTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    [Test]
    public async Task Acknowledged_writes_survive_kills_and_pauses_on_every_node()
    {
        using var directory = new TempDirectory();
        var (client, peer) = LocalPorts.FindRuns(4);
        new NetworkLayout(directory.Path, 4, "ehrchain-crash", "admin", client, peer, [], "127.0.0.1", samePorts: false).Write();
        var admin = KeyFile.Load(Path.Combine(directory.Path, "keys", "admin.key.json"));
        await using var nodes = new NodeProcesses(directory.Path, ClusterNode.ReadAll(directory.Path),
            ["Consensus:ViewChangeTimeout=00:00:01", "Consensus:StatusInterval=00:00:00.250", "Consensus:CheckpointInterval=10"]);
        for (var i = 0; i < 4; i++)
        {
            nodes.Start(i);
        }
        await WaitForAgreementAsync(nodes, 0, TimeSpan.FromSeconds(60));

        var acknowledged = new ConcurrentDictionary<string, DateTime>();
        using var stop = new CancellationTokenSource();
        var writers = Enumerable.Range(0, 3).Select(w => Task.Run(() => WriteAsync(nodes, admin, w, acknowledged, stop.Token))).ToList();

        var faults = new List<(string Kind, DateTime At, DateTime Over)>();
        async Task Fault(string kind, Func<Task> act)
        {
            await WaitForNewAcknowledgementAsync(acknowledged, TimeSpan.FromSeconds(60));
            var at = DateTime.UtcNow;
            await act();
            faults.Add((kind, at, DateTime.UtcNow));
        }
        await Fault("kill -9 the primary (node-0), restart after 3 s", async () =>
        {
            nodes.Kill(0);
            await Task.Delay(3000);
            nodes.Start(0);
        });
        await Fault("kill -9 a backup (node-2), restart after 3 s", async () =>
        {
            nodes.Kill(2);
            await Task.Delay(3000);
            nodes.Start(2);
        });
        await Fault("kill -9 two at once (node-1, node-3), restart after 3 s", async () =>
        {
            nodes.Kill(1);
            nodes.Kill(3);
            await Task.Delay(3000);
            nodes.Start(1);
            nodes.Start(3);
        });
        await Fault("SIGSTOP node-2 for 10 s, then SIGCONT", async () =>
        {
            nodes.Pause(2);
            await Task.Delay(10_000);
            nodes.Resume(2);
        });
        await Fault("kill -9 all four, restart all", async () =>
        {
            for (var i = 0; i < 4; i++)
            {
                nodes.Kill(i);
            }
            for (var i = 0; i < 4; i++)
            {
                TestContext.Out.WriteLine($"{nodes.Nodes[i].Id} killed: {VotesAboveHead(nodes.DataDirectory(i))}");
            }
            await Task.Delay(1000);
            for (var i = 0; i < 4; i++)
            {
                nodes.Start(i);
            }
        });
        await WaitForNewAcknowledgementAsync(acknowledged, TimeSpan.FromSeconds(90));
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        var acks = acknowledged.Values.Order().ToList();
        foreach (var (kind, at, over) in faults)
        {
            TestContext.Out.WriteLine($"{kind}: longest pause between acknowledged commits {LongestPause(acks, at, over).TotalSeconds:F1} s");
        }
        TestContext.Out.WriteLine($"{acknowledged.Count} writes acknowledged");

        var maxHeight = (await WaitForAgreementAsync(nodes, 1, TimeSpan.FromSeconds(60))).Height;
        for (var i = 0; i < 4; i++)
        {
            await nodes.StopAsync(i);
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(acknowledged, Is.Not.Empty);
            var heads = new List<string>();
            for (var i = 0; i < 4; i++)
            {
                using var store = RocksChainStore.Open(nodes.DataDirectory(i));
                var verification = ChainVerifier.Verify(store);
                Assert.That(verification.IsValid, Is.True, $"{nodes.Nodes[i].Id}: height {verification.FirstBadHeight}: {verification.Reason}");
                Assert.That(store.Head?.Height, Is.GreaterThanOrEqualTo(maxHeight), nodes.Nodes[i].Id);
                var missing = acknowledged.Keys.Where(id => store.FindTransaction(Hash.Parse(id)) is null).ToList();
                Assert.That(missing, Is.Empty, $"{nodes.Nodes[i].Id} lacks acknowledged transactions");
                heads.Add(store.Head?.Hash.ToString() ?? "");
            }
            Assert.That(heads.Distinct().Count(), Is.EqualTo(1), "heads differ");
        }
    }

    /// <summary>Submits new participants with wait, round-robin over the nodes; a write counts once a receipt came back.</summary>
    private static async Task WriteAsync(NodeProcesses nodes, KeyFile admin, int writer, ConcurrentDictionary<string, DateTime> acknowledged, CancellationToken cancellationToken)
    {
        var node = writer;
        var number = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            node = (node + 1) % nodes.Nodes.Count;
            try
            {
                using var session = await LedgerSession.OpenAsync(nodes.Nodes[node].Client, admin, CallTimeout, null, cancellationToken);
                while (!cancellationToken.IsCancellationRequested)
                {
                    var keys = KeyFile.Generate($"w{writer}-{number++}", KeyRole.Patient);
                    var response = await session.SubmitAsync(session.Client.AddParticipant(keys, new Profile { Name = keys.Id }), wait: true, cancellationToken);
                    acknowledged[response.Receipt.TxId] = DateTime.UtcNow;
                }
            }
            catch (Exception e) when (e is Grpc.Core.RpcException or OperationCanceledException or HttpRequestException)
            {
                // The node is down, paused or not yet ready: go on through the next one.
            }
        }
    }

    /// <summary>
    /// The longest time without an acknowledgement from the fault until the first one after it was
    /// over: a write already in flight may still be acknowledged just after the fault began.
    /// </summary>
    private static TimeSpan LongestPause(IReadOnlyList<DateTime> acks, DateTime at, DateTime over)
    {
        var previous = at;
        var longest = TimeSpan.Zero;
        foreach (var ack in acks.Where(t => t > at))
        {
            longest = ack - previous > longest ? ack - previous : longest;
            previous = ack;
            if (ack > over)
            {
                break;
            }
        }
        return longest;
    }

    /// <summary>
    /// A node votes for a slot before it stores the block, so a kill between the two leaves its
    /// consensus records ahead of its chain store, the state a restart must catch up from.
    /// </summary>
    private static string VotesAboveHead(string dataDirectory)
    {
        using var store = RocksChainStore.Open(dataDirectory);
        var head = store.Head?.Height ?? 0;
        var above = store.ScanMeta("consensus/vote/")
            .Select(kv => ulong.Parse(kv.Key["consensus/vote/".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .Count(sequence => sequence > head);
        return $"store head {head}, {above} vote records above it";
    }

    private static async Task WaitForNewAcknowledgementAsync(ConcurrentDictionary<string, DateTime> acknowledged, TimeSpan timeout)
    {
        var before = acknowledged.Count;
        var clock = Stopwatch.StartNew();
        while (acknowledged.Count <= before)
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail($"No write was acknowledged within {timeout.TotalSeconds:F0} s.");
            }
            await Task.Delay(100);
        }
    }

    private static async Task<NodeStatus> WaitForAgreementAsync(NodeProcesses nodes, ulong height, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        var seen = "";
        while (clock.Elapsed < timeout)
        {
            var statuses = new List<NodeStatus>();
            foreach (var node in nodes.Nodes)
            {
                try
                {
                    using var channel = NodeChannels.Open(node.Client);
                    statuses.Add(await new Ledger.LedgerClient(channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2)));
                }
                catch (Grpc.Core.RpcException)
                {
                    // Not listening yet.
                }
            }
            seen = string.Join("; ", statuses.Select(s => $"{s.NodeId} at {s.Height} {s.HeadHash}"));
            if (statuses.Count == nodes.Nodes.Count && statuses.All(s => s.Height >= height) && statuses.Select(s => s.HeadHash).Distinct().Count() == 1)
            {
                return statuses[0];
            }
            await Task.Delay(250);
        }
        Assert.Fail($"Nodes did not agree within {timeout.TotalSeconds:F0} s: {seen}");
        throw new UnreachableException();
    }
}
