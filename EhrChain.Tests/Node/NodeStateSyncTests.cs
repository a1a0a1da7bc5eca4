using EhrChain.Cli.Client;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Chain;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Integration;

namespace EhrChain.Tests.Node;

/// <summary>
/// State sync between real nodes (gRPC, RocksDB): a node whose data directory was wiped comes
/// back by installing a certified snapshot instead of replaying the chain, then follows it.
/// </summary>
public sealed class NodeStateSyncTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static readonly Dictionary<string, string?> SmallSnapshots = new()
    {
        ["Consensus:CheckpointInterval"] = "10",
        ["Consensus:SnapshotInterval"] = "10",
        ["Consensus:StateSyncDistance"] = "10",
    };

    [Test]
    public async Task A_node_whose_data_was_wiped_installs_a_snapshot_then_follows_the_chain_and_verifies()
    {
        await using var cluster = await TestCluster.StartAsync(settings: SmallSnapshots);
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        await SubmitAsync(admin, 0, 5);

        await cluster.StopNodeAsync(3);
        var data = System.IO.Path.Combine(cluster.Directory, "data", "node-3");
        System.IO.Directory.Delete(data, recursive: true);
        await SubmitAsync(admin, 5, 30);
        await cluster.StartNodeAsync(3);
        var installed = await WaitForInstallAsync(cluster);
        var height = await SubmitAsync(admin, 30, 35);

        var head = await cluster.WaitForAgreementAsync(height, Timeout);
        var restarted = await cluster.StatusAsync(3);
        using var store = RocksChainStore.OpenReadOnly(data);
        var verification = ChainVerifier.Verify(store);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(installed, Is.GreaterThan(0UL), "node-3 installed a snapshot");
            Assert.That(store.BaseHeight, Is.EqualTo(installed), "the wiped node's chain starts at the snapshot, not at genesis");
            Assert.That(restarted.HeadHash, Is.EqualTo(head));
            Assert.That(verification.IsValid, Is.True, verification.ToString());
        }
    }

    [Test]
    public async Task A_node_that_crashed_in_the_middle_of_an_install_starts_again_cleanly_and_catches_up()
    {
        await using var cluster = await TestCluster.StartAsync(settings: SmallSnapshots);
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        await SubmitAsync(admin, 0, 5);
        await cluster.StopNodeAsync(3);
        var data = System.IO.Path.Combine(cluster.Directory, "data", "node-3");
        // What a crash between the install's first durable write and its last leaves behind.
        using (var torn = RocksChainStore.Open(data))
        {
            torn.BeginReplace();
        }

        var height = await SubmitAsync(admin, 5, 25);
        await cluster.StartNodeAsync(3);

        var head = await cluster.WaitForAgreementAsync(height, Timeout);
        var restarted = await cluster.StatusAsync(3);
        using var store = RocksChainStore.OpenReadOnly(data);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(store.ImportInProgress, Is.False);
            Assert.That(restarted.HeadHash, Is.EqualTo(head));
            Assert.That(ChainVerifier.Verify(store).IsValid, Is.True);
        }
    }

    private static async Task<ulong> WaitForInstallAsync(TestCluster cluster)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (cluster.Service<ChainApplication>(3).InstalledSnapshotHeight is { } height)
            {
                return height;
            }
            await Task.Delay(100);
        }
        return 0;
    }

    private static async Task<ulong> SubmitAsync(LedgerSession admin, int from, int to)
    {
        ulong height = 0;
        for (var i = from; i < to; i++)
        {
            var patient = KeyFile.Generate($"pat-{i}", KeyRole.Patient);
            var response = await admin.SubmitAsync(admin.Client.AddParticipant(patient, new Profile { Name = $"Patient {i}" }), wait: true, CancellationToken.None);
            height = response.Receipt.Height;
        }
        return height;
    }
}
