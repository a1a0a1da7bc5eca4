using EhrChain.Client.Session;
using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Cli;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Node;

/// <summary>
/// Validators voted in and out on real nodes (gRPC, mutual TLS, RocksDB), without a restart: a
/// fifth node started as a learner becomes a member once three of the four vote for it and the
/// epoch ends, then is needed for a quorum; a genesis validator voted out stops ordering.
/// </summary>
public sealed class ValidatorJoinTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_node_voted_in_by_three_of_four_validators_joins_without_a_restart_and_is_needed_for_the_quorum_after()
    {
        await using var cluster = await TestCluster.StartAsync(joiners: 1);
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        await PatientEnrolments.SubmitAsync(admin, 0, 3);
        await cluster.StartNodeAsync(4);
        Assert.That(await Consensus(cluster, 4, r => r.Participates), Is.False, "the joiner follows as a learner before the vote");

        var change = new ValidatorChange { Add = { cluster.ValidatorInfo(4) } };
        var approvedAt = await VoteAsync(cluster, change, voters: [0, 1, 2]);

        var end = await Consensus(cluster, 0, r => r.EpochEnd);
        Assert.That(end, Is.EqualTo(approvedAt + EhrChain.Core.Chain.MembershipRules.ActivationDelay), "the change takes effect 256 blocks after the block that approved it");
        await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(0, 5).Select(i => Consensus(cluster, i, r => r.Epoch)))).All(e => e == 1), "all five in epoch 1");

        // With node-0 down, four of the five must sign each block, so node-4 is in every certificate.
        await cluster.StopNodeAsync(0);
        using var viaJoiner = await LedgerSession.OpenAsync(cluster.Addresses[4], cluster.Admin, Timeout, null, CancellationToken.None);
        var height = await PatientEnrolments.SubmitAsync(viaJoiner, 3, 6);
        await cluster.StartNodeAsync(0);
        var head = await cluster.WaitForAgreementAsync(height, Timeout);

        await cluster.StopNodeAsync(4);
        var verify = await CliRun.RunAsync("verify", "--data", System.IO.Path.Combine(cluster.Directory, "data", "node-4"));
        using var store = RocksChainStore.OpenReadOnly(System.IO.Path.Combine(cluster.Directory, "data", "node-4"));
        var last = store.GetBlock(height)!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(last.Certificate.Commits.Select(c => c.ValidatorId), Does.Contain("node-4"));
            Assert.That(last.Certificate.Commits, Has.Count.EqualTo(4), "the quorum of five is four");
            Assert.That(store.Head!.Value.Hash.ToString(), Is.EqualTo(head));
            Assert.That(ChainVerifier.Verify(store).IsValid, Is.True, "the joiner's chain links and roots hold");
            Assert.That(verify.ExitCode, Is.Zero, verify.Out + verify.Error);
            Assert.That(verify.Out, Does.Contain($"epoch 1 from height {end + 1}: node-0, node-1, node-2, node-3, node-4"), "verify replays the vote and checks later blocks against five");
        }
    }

    [Test]
    public async Task A_genesis_validator_voted_out_stops_at_the_end_of_its_last_epoch_and_the_other_four_go_on()
    {
        await using var cluster = await TestCluster.StartAsync(joiners: 1);
        await cluster.StartNodeAsync(4);
        var approvedAt = await VoteAsync(cluster, new ValidatorChange { Add = { cluster.ValidatorInfo(4) }, Remove = { "node-0" } }, voters: [1, 2, 3]);
        var end = approvedAt + EhrChain.Core.Chain.MembershipRules.ActivationDelay;
        await WaitAsync(async () => (await Task.WhenAll(Enumerable.Range(1, 4).Select(i => Consensus(cluster, i, r => r.Epoch)))).All(e => e == 1), "nodes 1-4 in epoch 1");

        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.Admin, Timeout, null, CancellationToken.None);
        var height = await PatientEnrolments.SubmitAsync(admin, 0, 3);
        // The removed validator's peers no longer talk to it: its chain ends with its last epoch.
        var removed = await cluster.StatusAsync(0);
        var participated = await Consensus(cluster, 0, r => r.Participates);
        await cluster.StopNodeAsync(0);
        await cluster.WaitForAgreementAsync(height, Timeout);
        // Whole blocks (every transaction's metadata) are for current validators only.
        using var asRemoved = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.ValidatorKey(0), Timeout, null, CancellationToken.None);
        var removedRead = Assert.ThrowsAsync<Grpc.Core.RpcException>(() => asRemoved.BlockAsync(height, null, CancellationToken.None));
        using var asJoined = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.ValidatorKey(4), Timeout, null, CancellationToken.None);
        var joinedRead = await asJoined.BlockAsync(height, null, CancellationToken.None);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(participated, Is.False, "node-0 no longer orders");
            Assert.That(removed.Height, Is.EqualTo(end), "node-0 executed its last epoch to the end and nothing after");
            Assert.That(removed.Validating, Is.False);
            Assert.That(await Consensus(cluster, 4, r => r.Participates), Is.True);
            Assert.That((await cluster.StatusAsync(1)).Epoch, Is.EqualTo(1UL));
            Assert.That(height, Is.GreaterThan(end), "the other four ordered after the change");
            Assert.That(removedRead!.StatusCode, Is.EqualTo(Grpc.Core.StatusCode.InvalidArgument), "a validator voted out no longer reads whole blocks: refused as any unknown reader is");
            Assert.That(joinedRead.ViewCase, Is.EqualTo(EhrChain.Node.Api.BlockResponse.ViewOneofCase.Block), "a validator voted in reads whole blocks");
        }
    }

    [Test]
    public async Task Validators_go_from_four_to_five_to_seven_and_back_to_four_under_load_and_every_store_checks_against_its_epochs()
    {
        await using var cluster = await TestCluster.StartAsync(joiners: 3);
        for (var i = 4; i < 7; i++)
        {
            await cluster.StartNodeAsync(i);
        }
        using var stop = new CancellationTokenSource();
        var acknowledged = new System.Collections.Concurrent.ConcurrentBag<string>();
        // node-3 stays a validator throughout; clients keep writing through it with --wait.
        var load = Task.Run(async () =>
        {
            using var admin = await LedgerSession.OpenAsync(cluster.Addresses[3], cluster.Admin, Timeout, null, CancellationToken.None);
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var patient = KeyFile.Generate($"load-{i}", KeyRole.Patient);
                var response = await admin.SubmitAsync(admin.Client.AddParticipant(patient, new Profile { Name = $"Patient {i}" }), wait: true, CancellationToken.None);
                acknowledged.Add(response.TxId);
            }
        });

        await VoteAsync(cluster, new ValidatorChange { Add = { cluster.ValidatorInfo(4) } }, voters: [0, 1, 2]);
        await WaitForEpochAsync(cluster, 1, [0, 1, 2, 3, 4]);
        await VoteAsync(cluster, new ValidatorChange { Add = { cluster.ValidatorInfo(5), cluster.ValidatorInfo(6) } }, voters: [0, 1, 2, 4]);
        await WaitForEpochAsync(cluster, 2, [0, 1, 2, 3, 4, 5, 6]);
        var approvedAt = await VoteAsync(cluster, new ValidatorChange { Remove = { "node-0", "node-1", "node-2" } }, voters: [2, 3, 4, 5, 6]);
        await WaitForEpochAsync(cluster, 3, [3, 4, 5, 6]);
        await Task.Delay(1000);
        await stop.CancelAsync();
        await load;

        var removedHeights = new List<ulong>();
        for (var i = 0; i < 3; i++)
        {
            removedHeights.Add((await cluster.StatusAsync(i)).Height);
            await cluster.StopNodeAsync(i);
        }
        var head = await cluster.WaitForAgreementAsync(0, Timeout);
        var genesis = GenesisFile.Load(System.IO.Path.Combine(cluster.Directory, "genesis.json"));
        for (var i = 3; i < 7; i++)
        {
            await cluster.StopNodeAsync(i);
        }
        var end = approvedAt + EhrChain.Core.Chain.MembershipRules.ActivationDelay;
        for (var i = 0; i < 7; i++)
        {
            var verify = await CliRun.RunAsync("verify", "--data", System.IO.Path.Combine(cluster.Directory, "data", $"node-{i}"), "--output", "json");
            using var store = RocksChainStore.OpenReadOnly(System.IO.Path.Combine(cluster.Directory, "data", $"node-{i}"));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(ChainVerifier.Verify(store).IsValid, Is.True, $"node-{i}'s chain links and roots hold");
                Assert.That(CertificatesAgainstEpochs(store, genesis), Is.Null, $"node-{i}'s certificates");
                Assert.That(verify.ExitCode, Is.Zero, $"ehrchain verify on node-{i}: {verify.Out}{verify.Error}");
                Assert.That(System.Text.Json.Nodes.JsonNode.Parse(verify.Out)!["epochs"]!.AsArray().Count, Is.EqualTo(4), $"epochs verify found on node-{i} (the removed ones executed the rollover too)");
                if (i < 3)
                {
                    Assert.That(removedHeights[i], Is.EqualTo(end), $"node-{i} was voted out and stops at the end of epoch 2");
                }
                else
                {
                    Assert.That(store.Head!.Value.Hash.ToString(), Is.EqualTo(head));
                    Assert.That(acknowledged.Where(tx => store.FindTransaction(Hash.Parse(tx)) is null), Is.Empty, $"every acknowledged write is on node-{i}");
                    Assert.That(EhrChain.Contracts.Membership.ValidatorMembershipReader.Epochs(store.OpenView(), genesis.Validators).Select(e => e.Validators.Count), Is.EqualTo(new[] { 4, 5, 7, 4 }));
                }
            }
        }
        Assert.That(acknowledged, Has.Count.GreaterThan(20), "writes acknowledged during the changes");
    }

    /// <summary>
    /// The issue's scale case: a validator voted into a chain of 100,000 transactions joins from a
    /// certified snapshot instead of replaying, then follows the chain into its new epoch. Long
    /// (minutes), so kept out of the default run: `--filter TestCategory=StateSync`.
    /// </summary>
    [Test]
    [Explicit("minutes long: run with --filter TestCategory=StateSync")]
    [Category("StateSync")]
    public async Task A_validator_voted_into_a_chain_of_a_hundred_thousand_transactions_joins_from_a_snapshot()
    {
        const int Transactions = 100_000;
        await using var cluster = await TestCluster.StartAsync(joiners: 1, settings: new Dictionary<string, string?>
        {
            ["Consensus:SnapshotInterval"] = "50",
            ["Consensus:StateSyncDistance"] = "50",
        });
        var load = System.Diagnostics.Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            using var admin = await LedgerSession.OpenAsync(cluster.Addresses[worker % 4], cluster.Admin, Timeout, null, CancellationToken.None);
            for (var i = Interlocked.Increment(ref next); i < Transactions; i = Interlocked.Increment(ref next))
            {
                var tx = admin.Client.AddParticipant(KeyFile.Generate($"bulk-{i}", KeyRole.Patient), new Profile { Name = $"Patient {i}" });
                while (true)
                {
                    try
                    {
                        await admin.SubmitAsync(tx, wait: false, CancellationToken.None);
                        break;
                    }
                    catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.ResourceExhausted)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        }));
        using var last = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        var loadedAt = (await last.SubmitAsync(last.Client.AddParticipant(KeyFile.Generate("bulk-last", KeyRole.Patient), new Profile { Name = "Last" }), wait: true, CancellationToken.None)).Receipt.Height;
        load.Stop();

        await VoteAsync(cluster, new ValidatorChange { Add = { cluster.ValidatorInfo(4) } }, voters: [0, 1, 2]);
        var join = System.Diagnostics.Stopwatch.StartNew();
        await cluster.StartNodeAsync(4);
        await WaitForEpochAsync(cluster, 1, [0, 1, 2, 3, 4]);
        join.Stop();
        var installed = cluster.Service<EhrChain.Node.Chain.ChainApplication>(4).InstalledSnapshotHeight;
        var bytes = await Consensus(cluster, 4, r => r.StateSyncBytesReceived);
        var height = await PatientEnrolments.SubmitAsync(last, 0, 3);
        var head = await cluster.WaitForAgreementAsync(height, Timeout);
        await cluster.StopNodeAsync(4);
        var verify = await CliRun.RunAsync("verify", "--data", System.IO.Path.Combine(cluster.Directory, "data", "node-4"));
        TestContext.Out.WriteLine($"loaded {Transactions} transactions in {load.Elapsed.TotalSeconds:F0} s ({loadedAt} blocks); node-4 installed the snapshot at {installed} ({bytes / 1024.0 / 1024.0:F1} MiB) and was ordering in epoch 1 {join.Elapsed.TotalSeconds:F1} s after it started");
        using var store = RocksChainStore.OpenReadOnly(System.IO.Path.Combine(cluster.Directory, "data", "node-4"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(installed, Is.Not.Null.And.GreaterThan(0UL), "node-4 installed a snapshot");
            Assert.That(store.BaseHeight, Is.EqualTo(installed), "node-4's chain starts at the snapshot, not at genesis");
            Assert.That(store.Head!.Value.Hash.ToString(), Is.EqualTo(head));
            Assert.That(verify.ExitCode, Is.Zero, verify.Out + verify.Error);
        }
    }

    /// <summary>Null when every block's commit certificate holds under the validators of the epoch that ordered it, else the first that does not.</summary>
    private static string? CertificatesAgainstEpochs(RocksChainStore store, GenesisFile genesis)
    {
        using var view = store.OpenView();
        var epochs = EhrChain.Contracts.Membership.ValidatorMembershipReader.Epochs(view, genesis.Validators);
        var directory = ValidatorSet.FromGenesis(genesis);
        for (ulong height = 1; height <= store.Head!.Value.Height; height++)
        {
            var block = store.GetBlock(height)!;
            var epoch = epochs.Last(e => e.FirstSequence <= height);
            var set = directory.ForEpoch(epoch.Epoch, epoch.Validators.Select(v => (v.Id, SigningPublicKey.FromBytes(v.SigningPublicKey.Span))));
            var digest = ConsensusHashing.BatchDigest(block.Header.TimeUnixMs, block.Transactions);
            if (!CommitCertificates.Verify(block.Certificate, set, height, digest, out var reason))
            {
                return $"block {height} (epoch {epoch.Epoch}): {reason}";
            }
        }
        return null;
    }

    private static Task WaitForEpochAsync(TestCluster cluster, ulong epoch, int[] nodes) =>
        WaitAsync(async () => (await Task.WhenAll(nodes.Select(i => Consensus(cluster, i, r => r.Epoch)))).All(e => e >= epoch), $"nodes {string.Join(",", nodes)} in epoch {epoch}");

    /// <summary>Each voter signs with its own node key; returns the height of the block that approved the change.</summary>
    private static async Task<ulong> VoteAsync(TestCluster cluster, ValidatorChange change, int[] voters)
    {
        ulong height = 0;
        foreach (var voter in voters)
        {
            using var session = await LedgerSession.OpenAsync(cluster.Addresses[voter], cluster.ValidatorKey(voter), Timeout, null, CancellationToken.None);
            var response = await session.SubmitAsync(session.Client.VoteValidatorChange(change), wait: true, CancellationToken.None);
            Assert.That(response.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok), response.Receipt.Result.Reason);
            height = response.Receipt.Height;
        }
        return height;
    }

    private static Task<T> Consensus<T>(TestCluster cluster, int index, Func<Replica, T> query) =>
        cluster.Service<ConsensusDriver>(index).QueryAsync(query, CancellationToken.None);

    private static async Task WaitAsync(Func<Task<bool>> done, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!await done())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"timed out waiting for {what}");
            await Task.Delay(200);
        }
    }
}
