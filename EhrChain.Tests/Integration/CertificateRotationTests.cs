using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Network;

namespace EhrChain.Tests.Integration;

/// <summary>A node's certificate replaced while the cluster runs: new connections get the new one, and the cluster keeps committing.</summary>
[NonParallelizable]
public sealed class CertificateRotationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>The certificate a listener presents to a new TLS connection (as validator <paramref name="asValidator"/> when given).</summary>
    private static async Task<byte[]> PresentedAsync(TestCluster cluster, string address, int? asValidator = null)
    {
        var colon = address.LastIndexOf(':');
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address[..colon], int.Parse(address[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        X509Certificate2? presented = null;
        var options = NodeChannels.TrustOnly(NodeChannels.LoadCa(cluster.CaPath));
        options.TargetHost = "127.0.0.1";
        options.ApplicationProtocols = [SslApplicationProtocol.Http2];
        options.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            presented = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return errors == SslPolicyErrors.None;
        };
        if (asValidator is { } validator)
        {
            var (certificatePath, keyPath) = cluster.CertificateFiles(validator);
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var own = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => own;
        }
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(options);
        return SHA256.HashData(presented!.RawData);
    }

    private static byte[] FileHash(string path) => SHA256.HashData(X509CertificateLoader.LoadCertificateFromFile(path).RawData);

    [Test]
    public async Task A_node_certificate_rotated_while_the_cluster_runs_is_presented_on_new_connections_and_commits_continue()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.Admin, Timeout, null, CancellationToken.None);
        await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-before", KeyRole.Patient), new Profile { Name = "B" }), wait: true, CancellationToken.None);
        var (certificatePath, _) = cluster.CertificateFiles(1);
        var before = FileHash(certificatePath);

        // The same command an operator runs: `ehrchain genesis cert --network DIR --node-id node-1`.
        using (new NetworkCertificates(Path.Combine(cluster.Directory, "tls")).Issue("node-1", "127.0.0.1"))
        {
        }
        var after = FileHash(certificatePath);
        var onClientPort = await PresentedAsync(cluster, cluster.Addresses[1].Address);
        var onPeerPort = await PresentedAsync(cluster, cluster.PeerAddress(1), asValidator: 2);

        // New peer connections to and from node-1 (node-2 restarts), and without node-3 every
        // commit needs node-1's votes to reach node-2 over them.
        await cluster.StopNodeAsync(2);
        await cluster.StartNodeAsync(2);
        await cluster.StopNodeAsync(3);
        using var throughNode2 = await LedgerSession.OpenAsync(cluster.Addresses[2], cluster.Admin, Timeout, null, CancellationToken.None);
        var committed = await throughNode2.SubmitAsync(throughNode2.Client.AddParticipant(KeyFile.Generate("pat-after", KeyRole.Patient), new Profile { Name = "A" }), wait: true, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(after, Is.Not.EqualTo(before), "genesis cert wrote a new certificate");
            Assert.That(onClientPort, Is.EqualTo(after), "the client listener presents the new certificate");
            Assert.That(onPeerPort, Is.EqualTo(after), "the peer listener presents the new certificate");
            Assert.That(committed.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
        }
    }
}
