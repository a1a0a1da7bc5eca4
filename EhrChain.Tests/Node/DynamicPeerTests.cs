using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Peers;
using EhrChain.Node.Validators;
using EhrChain.Tests.Integration;
using Grpc.Core;

namespace EhrChain.Tests.Node;

/// <summary>
/// The peer layer follows the validator directory on real nodes (real gRPC, RocksDB): a validator
/// that is not named is refused, one the directory adds gets a link and its hello accepted, and one
/// it removes loses its link and is refused again. Plaintext, so a joining identity needs no certificate.
/// </summary>
public sealed class DynamicPeerTests
{
    private static readonly TimeSpan StaysOpen = TimeSpan.FromSeconds(1);

    private static GenesisValidator Joining(KeyFile key) =>
        new(key.Id, "127.0.0.1:1", key.Signing.PublicKey, key.Encryption.PublicKey);

    // Opens a peer stream to node 0 with a fresh hello from the joining validator; null when the
    // stream is still open after a while (accepted), otherwise the status it was refused with.
    private static async Task<Status?> HelloAsync(TestCluster cluster, KeyFile joining)
    {
        using var channel = cluster.RawChannel(cluster.PeerAddress(0));
        using var stop = new CancellationTokenSource();
        using var call = new Peer.PeerClient(channel).Stream(cancellationToken: stop.Token);
        var genesis = cluster.Service<GenesisFile>(0);
        try
        {
            await call.RequestStream.WriteAsync(new PeerFrame { Hello = PeerHandshake.Create(joining, "node-0", genesis, TimeProvider.System, []) });
            var ended = await Task.WhenAny(call.ResponseAsync, Task.Delay(StaysOpen));
            if (ended != call.ResponseAsync)
            {
                return null;
            }
            await call.ResponseAsync;
            return Status.DefaultSuccess;
        }
        catch (RpcException e)
        {
            return e.Status;
        }
        finally
        {
            await stop.CancelAsync();
        }
    }

    [Test]
    public async Task A_validator_the_directory_does_not_name_is_refused_and_one_it_adds_is_linked_and_accepted_until_removed()
    {
        await using var cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["Node:Insecure"] = "true" });
        var joining = KeyFile.Generate("node-4", KeyRole.Validator);
        var directory = cluster.Service<ValidatorDirectory>(0);
        var transport = cluster.Service<PeerTransport>(0);
        var genesisValidators = directory.Known;

        var before = await HelloAsync(cluster, joining);

        directory.Update([.. genesisValidators, Joining(joining)]);
        var linkedAfterAdd = transport.LinkedPeers;
        var afterAdd = await HelloAsync(cluster, joining);

        directory.Update(genesisValidators);
        var linkedAfterRemove = transport.LinkedPeers;
        var afterRemove = await HelloAsync(cluster, joining);

        Assert.Multiple(() =>
        {
            Assert.That(before?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(before?.Detail, Does.Contain("'node-4' is not a validator of this network"));
            Assert.That(linkedAfterAdd, Is.EqualTo(new[] { "node-1", "node-2", "node-3", "node-4" }));
            Assert.That(afterAdd, Is.Null, "the hello of a validator the directory names keeps its stream open");
            Assert.That(linkedAfterRemove, Is.EqualTo(new[] { "node-1", "node-2", "node-3" }));
            Assert.That(afterRemove?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        });
    }

    [Test]
    public async Task A_link_kept_for_a_validator_the_directory_still_names_is_the_same_link_after_an_update()
    {
        var validators = Enumerable.Range(0, 4).Select(i => KeyFile.Generate($"node-{i}", KeyRole.Validator)).ToList();
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var genesis = new GenesisFile("ehr-test", DateTimeOffset.UnixEpoch,
            [.. validators.Select((k, i) => new GenesisValidator(k.Id, $"127.0.0.1:{7100 + i}", k.Signing.PublicKey, k.Encryption.PublicKey))],
            new GenesisAdmin(admin.Id, "Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        var directory = new ValidatorDirectory(genesis);
        await using var transport = new PeerTransport(validators[0], genesis, directory, new PeerTransportOptions(), tls: null, insecure: true, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLoggerFactory.Instance);

        directory.Update([.. genesis.Validators.Where(v => v.Id != "node-3")]);
        var afterRemove = transport.LinkedPeers;
        directory.Update(genesis.Validators);

        Assert.Multiple(() =>
        {
            Assert.That(afterRemove, Is.EqualTo(new[] { "node-1", "node-2" }));
            Assert.That(transport.LinkedPeers, Is.EqualTo(new[] { "node-1", "node-2", "node-3" }));
        });
    }
}
