using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Peers;
using EhrChain.Node.Validators;
using Microsoft.Extensions.Logging.Abstractions;

namespace EhrChain.Tests.Node;

public sealed class PeerTransportTests
{
    private static (KeyFile Self, GenesisFile Genesis) Network()
    {
        var validators = Enumerable.Range(0, 4).Select(i => KeyFile.Generate($"node-{i}", KeyRole.Validator)).ToList();
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var genesis = new GenesisFile("ehr-test", DateTimeOffset.UnixEpoch,
            [.. validators.Select((k, i) => new GenesisValidator(k.Id, $"127.0.0.1:{7100 + i}", k.Signing.PublicKey, k.Encryption.PublicKey))],
            new GenesisAdmin(admin.Id, "Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        return (validators[0], genesis);
    }

    [Test]
    public void A_node_that_is_not_insecure_refuses_to_dial_peers_without_TLS()
    {
        var (self, genesis) = Network();

        var error = Assert.Throws<InvalidOperationException>(() =>
            _ = new PeerTransport(self, genesis, new ValidatorDirectory(genesis), new PeerTransportOptions(), tls: null, insecure: false, TimeProvider.System, NullLoggerFactory.Instance));

        Assert.That(error.Message, Does.Contain("refusing to dial validators in plaintext"));
    }

    [Test]
    public async Task An_insecure_node_dials_peers_without_TLS()
    {
        var (self, genesis) = Network();

        await using var transport = new PeerTransport(self, genesis, new ValidatorDirectory(genesis), new PeerTransportOptions(), tls: null, insecure: true, TimeProvider.System, NullLoggerFactory.Instance);

        Assert.That(transport, Is.Not.Null);
    }
}
