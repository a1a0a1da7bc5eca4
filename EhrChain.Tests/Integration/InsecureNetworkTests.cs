using EhrChain.Client.Session;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Peers;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>Node:Insecure=true, the explicit plaintext mode for local development: it still commits, and still refuses a replayed hello.</summary>
[NonParallelizable]
public sealed class InsecureNetworkTests
{
    [Test]
    public async Task An_exact_replay_of_a_hello_is_refused_on_a_plaintext_network_too()
    {
        await using var cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["Node:Insecure"] = "true" });
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, TimeSpan.FromSeconds(30), null, CancellationToken.None);
        var committed = await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-plain", KeyRole.Patient), new Profile { Name = "P" }), wait: true, CancellationToken.None);
        var hello = PeerHandshake.Create(
            KeyFile.Load(Path.Combine(cluster.Directory, "keys", "node-1.key.json")), "node-0",
            GenesisFile.Load(Path.Combine(cluster.Directory, "genesis.json")), TimeProvider.System, []);
        using var first = cluster.RawChannel(cluster.PeerAddress(0));
        using var second = cluster.RawChannel(cluster.PeerAddress(0));

        using var open = new Peer.PeerClient(first).Stream();
        await open.RequestStream.WriteAsync(new PeerFrame { Hello = hello });
        var kept = await Task.WhenAny(open.ResponseAsync, Task.Delay(TimeSpan.FromSeconds(1.5))) != open.ResponseAsync;
        using var replay = new Peer.PeerClient(second).Stream();
        await replay.RequestStream.WriteAsync(new PeerFrame { Hello = hello.Clone() });
        var refusal = Assert.ThrowsAsync<RpcException>(async () => await replay.ResponseAsync);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Addresses[0].Insecure, Is.True);
            Assert.That(committed.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(kept, Is.True, "the first use of the hello opens the stream");
            Assert.That(refusal.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(refusal.Status.Detail, Does.Contain("replay"));
        }
    }

    [Test]
    public async Task A_hello_meant_for_one_validator_is_refused_by_another_on_a_plaintext_network()
    {
        await using var cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["Node:Insecure"] = "true" });
        // What an eavesdropper captures from node-1 dialling node-2, offered to node-0 instead.
        var toNode2 = PeerHandshake.Create(
            KeyFile.Load(Path.Combine(cluster.Directory, "keys", "node-1.key.json")), "node-2",
            GenesisFile.Load(Path.Combine(cluster.Directory, "genesis.json")), TimeProvider.System, []);
        using var channel = cluster.RawChannel(cluster.PeerAddress(0));

        using var stream = new Peer.PeerClient(channel).Stream();
        await stream.RequestStream.WriteAsync(new PeerFrame { Hello = toNode2 });
        var refusal = Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseAsync);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(refusal.Status.Detail, Does.Contain("addressed to 'node-2', not to this validator"));
        }
    }

    [Test]
    public async Task Many_refused_hellos_cost_the_log_one_line_and_their_text_cannot_forge_another()
    {
        await using var cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["Node:Insecure"] = "true" });
        var forged = PeerHandshake.Create(
            KeyFile.Load(Path.Combine(cluster.Directory, "keys", "node-1.key.json")), "node-0",
            GenesisFile.Load(Path.Combine(cluster.Directory, "genesis.json")), TimeProvider.System, []);
        forged.ValidatorId = "intruder\nWarning EhrChain.Node: all is well";
        using var channel = cluster.RawChannel(cluster.PeerAddress(0));

        var refused = 0;
        for (var i = 0; i < 50; i++)
        {
            using var stream = new Peer.PeerClient(channel).Stream();
            await stream.RequestStream.WriteAsync(new PeerFrame { Hello = forged });
            var refusal = Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseAsync);
            refused += refusal.StatusCode == StatusCode.PermissionDenied ? 1 : 0;
        }
        var lines = cluster.Log(0).Lines.Where(l => l.Contains("Refused a peer stream", StringComparison.Ordinal)).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused, Is.EqualTo(50));
            Assert.That(lines, Has.Count.EqualTo(1), "one line a minute per kind of refusal");
            Assert.That(lines.FirstOrDefault(), Does.Contain(@"'intruder\nWarning EhrChain.Node: all is well' is not a validator"));
            Assert.That(cluster.Log(0).Lines.Where(l => l.Contains("all is well", StringComparison.Ordinal)), Has.None.Contains('\n'), "no client text puts a line break in the log");
        }
    }
}
