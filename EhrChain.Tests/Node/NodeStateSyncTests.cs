using EhrChain.Client.Session;
using EhrChain.Node.Chain;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;

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
        await PatientEnrolments.SubmitAsync(admin, 0, 5);

        await cluster.StopNodeAsync(3);
        var data = System.IO.Path.Combine(cluster.Directory, "data", "node-3");
        System.IO.Directory.Delete(data, recursive: true);
        await PatientEnrolments.SubmitAsync(admin, 5, 30);
        await WaitForSnapshotAsync(cluster, 20);
        await cluster.StartNodeAsync(3);
        var installed = await WaitForInstallAsync(cluster);
        var height = await PatientEnrolments.SubmitAsync(admin, 30, 35);

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
        await PatientEnrolments.SubmitAsync(admin, 0, 5);
        await cluster.StopNodeAsync(3);
        var data = System.IO.Path.Combine(cluster.Directory, "data", "node-3");
        // What a crash between the install's first durable write and its last leaves behind.
        using (var torn = RocksChainStore.Open(data))
        {
            torn.BeginReplace();
        }

        var height = await PatientEnrolments.SubmitAsync(admin, 5, 25);
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

    /// <summary>
    /// A node that starts while no peer can serve a certified snapshot rightly replays the few
    /// batches instead, and once caught up has nothing to install: so the test waits until each
    /// live node serves one at <paramref name="height"/> or above, that is, the snapshot is
    /// certified and the node's own build of it is done (it serves only then).
    /// </summary>
    private static async Task WaitForSnapshotAsync(TestCluster cluster, ulong height)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var serving = 0;
            for (var i = 0; i < 3; i++)
            {
                var certified = await cluster.Service<EhrChain.Consensus.ConsensusDriver>(i).QueryAsync(r => r.CertifiedSnapshot, CancellationToken.None);
                if (certified >= height && cluster.Service<ChainApplication>(i).PreparedSnapshot(certified) is not null)
                {
                    serving++;
                }
            }
            if (serving == 3)
            {
                return;
            }
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"the live nodes did not serve a snapshot at {height} or above");
            await Task.Delay(100);
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
}
