using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Cli.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Api;
using EhrChain.Node.Network;
using EhrChain.Node.Peers;
using EhrChain.Tests.Support;
using Grpc.Core;
using Grpc.Net.Client;

namespace EhrChain.Tests.Integration;

/// <summary>
/// What each listener serves and whom it lets in, over real TLS connections to real nodes: the
/// port decides the service (not :authority), only genesis validators with a certificate from the
/// network CA reach the peer service, and a peer hello opens one stream on the connection it is bound to.
/// </summary>
[NonParallelizable]
public sealed class ListenerSecurityTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private TestCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster() => _cluster = await TestCluster.StartAsync();

    [OneTimeTearDown]
    public async Task StopCluster() => await _cluster.DisposeAsync();

    private KeyFile ValidatorKeys(int index) => KeyFile.Load(Path.Combine(_cluster.Directory, "keys", $"node-{index}.key.json"));

    private GenesisFile Genesis => GenesisFile.Load(Path.Combine(_cluster.Directory, "genesis.json"));

    private static byte[] CertificateHash(string path) => SHA256.HashData(X509CertificateLoader.LoadCertificateFromFile(path).RawData);

    /// <summary>A hello from validator <paramref name="validator"/> to <paramref name="to"/> (node-0 unless said, whose peer port every test dials).</summary>
    private PeerHello HelloOf(int validator, byte[] certificateHash, int to = 0) =>
        PeerHandshake.Create(ValidatorKeys(validator), $"node-{to}", Genesis, TimeProvider.System, certificateHash);

    /// <summary>Opens a peer stream with <paramref name="hello"/>; null when the listener keeps it open (accepted), else its refusal.</summary>
    private static async Task<RpcException?> OfferAsync(GrpcChannel channel, PeerHello hello, AsyncClientStreamingCall<PeerFrame, PeerStreamEnd>? keepOpen = null)
    {
        var call = keepOpen ?? new Peer.PeerClient(channel).Stream();
        try
        {
            await call.RequestStream.WriteAsync(new PeerFrame { Hello = hello });
            var ended = await Task.WhenAny(call.ResponseAsync, Task.Delay(TimeSpan.FromSeconds(1.5)));
            if (ended != call.ResponseAsync)
            {
                return null;
            }
            await call.ResponseAsync;
            return null;
        }
        catch (RpcException e)
        {
            return e;
        }
    }

    /// <summary>Opens a peer stream and expects the TLS handshake to end it: the listener closes the connection (TLS 1.3 sends its verdict after the client thinks it is done).</summary>
    private static async Task<Exception?> HandshakeFailureAsync(GrpcChannel channel, PeerHello hello)
    {
        try
        {
            return await OfferAsync(channel, hello);
        }
        catch (Exception e) when (e is HttpRequestException or IOException)
        {
            return e;
        }
    }

    private static bool IsHandshakeFailure(Exception? e) =>
        e is HttpRequestException or IOException || e is RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal };

    [Test]
    public void Submit_and_Status_sent_to_the_peer_port_with_the_client_ports_authority_are_refused()
    {
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 1, authority: _cluster.Addresses[0].Address);
        var ledger = new Ledger.LedgerClient(channel);

        var status = Assert.ThrowsAsync<RpcException>(async () => await ledger.StatusAsync(new StatusRequest()));
        var submit = Assert.ThrowsAsync<RpcException>(async () => await ledger.SubmitAsync(new SubmitRequest()));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(status.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
            Assert.That(status.Status.Detail, Does.Contain("client listener"));
            Assert.That(submit.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
        }
    }

    [Test]
    public async Task A_peer_stream_sent_to_the_client_port_with_the_peer_ports_authority_is_refused()
    {
        using var channel = _cluster.RawChannel(_cluster.Addresses[0].Address, asValidator: 1, authority: _cluster.PeerAddress(0));
        var hello = HelloOf(1, CertificateHash(_cluster.CertificateFiles(1).Certificate));

        var refusal = await OfferAsync(channel, hello);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.Unimplemented));
            Assert.That(refusal?.Status.Detail, Does.Contain("peer listener"));
        }
    }

    [Test]
    public async Task A_replayed_hello_is_refused_on_a_second_connection()
    {
        var hello = HelloOf(1, CertificateHash(_cluster.CertificateFiles(1).Certificate));
        using var first = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 1);
        using var second = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 1);
        using var open = new Peer.PeerClient(first).Stream();

        var accepted = await OfferAsync(first, hello, open);
        var replayed = await OfferAsync(second, hello.Clone());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(accepted, Is.Null, "the first use of a fresh hello opens the stream");
            Assert.That(replayed?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(replayed?.Status.Detail, Does.Contain("replay"));
        }
    }

    [Test]
    public async Task A_hello_addressed_to_another_validator_is_refused_on_a_connection_it_is_bound_to()
    {
        // Everything about it is right for this connection except whom it was meant for.
        var toNode2 = HelloOf(1, CertificateHash(_cluster.CertificateFiles(1).Certificate), to: 2);
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 1);

        var refusal = await OfferAsync(channel, toNode2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(refusal?.Status.Detail, Does.Contain("addressed to 'node-2'"));
        }
    }

    [Test]
    public async Task A_hello_bound_to_one_certificate_is_refused_on_a_connection_presenting_another()
    {
        var hello = HelloOf(1, CertificateHash(_cluster.CertificateFiles(1).Certificate));
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 2);

        var refusal = await OfferAsync(channel, hello);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(refusal?.Status.Detail, Does.Contain("another TLS certificate"));
        }
    }

    [Test]
    public async Task Garbage_hellos_over_the_wire_are_refused_and_the_node_keeps_serving()
    {
        var hash = CertificateHash(_cluster.CertificateFiles(1).Certificate);
        var lateHello = HelloOf(1, hash);
        lateHello.TimeUnixMs = long.MaxValue;
        var shortGenesis = HelloOf(1, hash);
        shortGenesis.GenesisHash = Google.Protobuf.ByteString.CopyFrom(1, 2, 3, 4, 5);
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0), asValidator: 1);

        var late = await OfferAsync(channel, lateHello);
        var malformed = await OfferAsync(channel, shortGenesis);
        var status = await _cluster.StatusAsync(0);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(late?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(late?.Status.Detail, Does.Contain("from this node's clock"));
            Assert.That(malformed?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(malformed?.Status.Detail, Does.Contain("genesis hash is 5 bytes"));
            Assert.That(RpcErrors.ReasonOf(malformed!), Is.EqualTo("PEER_HELLO_MALFORMED"));
            Assert.That(status.NodeId, Is.EqualTo("node-0"));
        }
    }

    [Test]
    public async Task A_connection_without_a_client_certificate_cannot_open_a_peer_stream()
    {
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0));

        var failure = await HandshakeFailureAsync(channel, HelloOf(1, CertificateHash(_cluster.CertificateFiles(1).Certificate)));

        Assert.That(IsHandshakeFailure(failure), Is.True, $"the TLS handshake itself fails, got {failure?.GetType().Name ?? "an open stream"}");
    }

    [Test]
    public async Task A_validator_certificate_from_another_CA_cannot_open_a_peer_stream()
    {
        using var elsewhere = new TempDirectory();
        var foreign = new NetworkCertificates(elsewhere.Path);
        foreign.CreateCa("ehrchain-other");
        using var impostor = foreign.Issue("node-1", "127.0.0.1");
        using var channel = _cluster.RawChannel(_cluster.PeerAddress(0), (foreign.CertificatePath("node-1"), foreign.KeyPath("node-1")));

        var failure = await HandshakeFailureAsync(channel, HelloOf(1, SHA256.HashData(impostor.RawData)));

        Assert.That(IsHandshakeFailure(failure), Is.True, $"the TLS handshake itself fails, got {failure?.GetType().Name ?? "an open stream"}");
    }

    [Test]
    public void A_client_that_trusts_another_CA_refuses_the_node()
    {
        using var elsewhere = new TempDirectory();
        var foreign = new NetworkCertificates(elsewhere.Path);
        foreign.CreateCa("ehrchain-other");
        using var channel = NodeChannels.Open(NodeTarget.Tls(_cluster.Addresses[0].Address, foreign.CaPath));

        var error = Assert.ThrowsAsync<RpcException>(async () => await new Ledger.LedgerClient(channel).StatusAsync(new StatusRequest()));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.StatusCode, Is.AnyOf(StatusCode.Unavailable, StatusCode.Internal));
            Assert.That(error.Status.DebugException?.ToString(), Does.Contain("AuthenticationException"));
            Assert.That(CliRpcErrors.Describe(error, _cluster.Addresses[0].Address).Message, Does.Contain("TLS handshake"));
        }
    }

    [Test]
    public void A_plaintext_client_cannot_talk_to_a_TLS_node()
    {
        using var channel = NodeChannels.Open(NodeTarget.Plaintext(_cluster.Addresses[0].Address));

        var error = Assert.ThrowsAsync<RpcException>(async () => await new Ledger.LedgerClient(channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.Unavailable));
            Assert.That(CliRpcErrors.Describe(error, _cluster.Addresses[0].Address).Message, Does.Contain("drop --insecure"));
        }
    }
}
