using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using EhrChain.Node.Api;
using EhrChain.Node.Configuration;
using EhrChain.Node.Web;
using EhrChain.Tests.Integration;
using Google.Protobuf;

namespace EhrChain.Tests.Web;

/// <summary>
/// What the web listener serves and refuses, over real connections to real nodes: the page and
/// gRPC-Web for the public API on its own port only, with the client port's limits, and nothing
/// for a foreign Host, a cross-origin caller or a protocol that belongs to another port.
/// </summary>
[NonParallelizable]
public sealed class WebListenerTests
{
    private TestCluster _cluster = null!;
    private HttpClient _web = null!;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _cluster = await TestCluster.StartAsync(web: true);
        _web = new HttpClient { BaseAddress = _cluster.WebUri(0), Timeout = TimeSpan.FromSeconds(30) };
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        _web.Dispose();
        await _cluster.DisposeAsync();
    }

    [Test]
    public async Task The_web_port_serves_the_page_with_headers_that_keep_it_to_itself()
    {
        using var page = await _web.GetAsync("/");
        using var script = await _web.GetAsync("/app.js");
        using var missing = await _web.GetAsync("/secrets.txt");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(page.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/html"));
            Assert.That(await page.Content.ReadAsStringAsync(), Does.Contain("<script type=\"module\" src=\"/app.js\">"));
            Assert.That(page.Headers.GetValues("Content-Security-Policy").Single(), Does.Contain("script-src 'self'").And.Contain("frame-ancestors 'none'"));
            Assert.That(page.Headers.GetValues("X-Content-Type-Options").Single(), Is.EqualTo("nosniff"));
            Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(script.Content.Headers.ContentType?.MediaType, Is.EqualTo("text/javascript"));
            Assert.That(missing.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    [Test]
    public async Task The_network_document_names_the_chain_and_the_trustees_and_nothing_about_anyone()
    {
        var network = System.Text.Json.JsonDocument.Parse(await _web.GetStringAsync("/network.json")).RootElement;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(network.GetProperty("chainId").GetString(), Is.EqualTo("ehrchain-test"));
            Assert.That(network.GetProperty("emergency").GetProperty("trustees").GetArrayLength(), Is.EqualTo(4));
            Assert.That(network.GetProperty("emergency").GetProperty("threshold").GetInt32(), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task The_client_and_peer_ports_do_not_serve_the_page()
    {
        using var http = new HttpClient(_cluster.HttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var client = await http.GetAsync(_cluster.ClientUri(0));
        using var peer = await http.GetAsync(_cluster.PeerUri(0));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(client.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
            Assert.That(peer.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        }
    }

    [Test]
    public async Task Status_answers_over_grpc_web()
    {
        var (status, body) = await GrpcWebAsync("/ehrchain.v1.Ledger/Status", new StatusRequest().ToByteArray());
        Assert.That(status, Is.EqualTo("0"));
        var nodeStatus = NodeStatus.Parser.ParseFrom(body);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nodeStatus.NodeId, Is.EqualTo("node-0"));
            Assert.That(nodeStatus.Validators, Has.Count.EqualTo(4));
        }
    }

    [Test]
    public async Task A_chain_read_over_grpc_web_needs_a_signature_as_on_the_client_port()
    {
        var (status, _) = await GrpcWebAsync("/ehrchain.v1.Ledger/GetBlock", new GetBlockRequest { Height = 0 }.ToByteArray());
        Assert.That(status, Is.EqualTo(((int)Grpc.Core.StatusCode.Unauthenticated).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task An_oversize_message_is_refused_on_the_web_port_as_on_the_client_port()
    {
        var frame = new byte[5];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), 64 * 1024 * 1024);
        using var response = await SendAsync("/ehrchain.v1.Ledger/Submit", frame, "application/grpc-web+proto");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Header(response, "grpc-status"), Is.EqualTo(((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/grpc-web+proto"));
        }
    }

    [Test]
    public async Task The_peer_service_is_not_served_over_grpc_web()
    {
        using var response = await SendAsync("/ehrchain.v1.Peer/Stream", Frame([]), "application/grpc-web+proto");
        Assert.That(Header(response, "grpc-status"), Is.EqualTo(((int)Grpc.Core.StatusCode.Unimplemented).ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Test]
    public async Task Plain_grpc_is_refused_on_the_web_port_and_grpc_web_on_the_client_port()
    {
        using var plain = await SendAsync("/ehrchain.v1.Ledger/Status", Frame([]), "application/grpc");
        using var http = new HttpClient(_cluster.HttpHandler());
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_cluster.ClientUri(0), "/ehrchain.v1.Ledger/Status"))
        {
            Content = new ByteArrayContent(Frame([])),
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc-web+proto");
        using var onClientPort = await http.SendAsync(request);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Header(plain, "grpc-status"), Is.EqualTo("12"));
            Assert.That(Header(onClientPort, "grpc-status"), Is.EqualTo("12"));
        }
    }

    [Test]
    public async Task A_foreign_host_name_gets_nothing()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Host = "attacker.example";
        using var response = await _web.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.MisdirectedRequest));
    }

    [Test]
    public async Task A_cross_origin_call_is_refused()
    {
        using var response = await SendAsync("/ehrchain.v1.Ledger/Status", Frame([]), "application/grpc-web+proto", origin: "https://attacker.example");
        using var sameOrigin = await SendAsync("/ehrchain.v1.Ledger/Status", Frame([]), "application/grpc-web+proto", origin: $"http://{_cluster.WebAddress(0)}");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Header(response, "grpc-status"), Is.EqualTo(((int)Grpc.Core.StatusCode.PermissionDenied).ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(response.Headers.Contains("Access-Control-Allow-Origin"), Is.False);
            Assert.That(sameOrigin.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(Header(sameOrigin, "grpc-status"), Is.Null, "a successful call carries its status in the body's trailer frame");
        }
    }

    [Test]
    public void A_web_listener_off_loopback_needs_a_certificate()
    {
        var error = Assert.Throws<NodeConfigurationException>(() => WebSettings.Load(new NodeOptions { WebListen = "0.0.0.0:8080" }));
        Assert.That(error!.Message, Does.StartWith("Node:WebListen: '0.0.0.0:8080' is not a loopback address, so it needs Node:WebCertificate"));
    }

    [Test]
    public void Web_settings_without_a_web_listener_are_refused()
    {
        var error = Assert.Throws<NodeConfigurationException>(() => WebSettings.Load(new NodeOptions { WebHosts = "ehr.example" }));
        Assert.That(error!.Message, Does.Contain("need Node:WebListen"));
    }

    private static byte[] Frame(byte[] message)
    {
        var frame = new byte[5 + message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)message.Length);
        message.CopyTo(frame, 5);
        return frame;
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] body, string contentType, string? origin = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        return await _web.SendAsync(request);
    }

    /// <summary>One unary gRPC-Web call: the status (from the trailer frame, or the headers of a trailers-only answer) and the message.</summary>
    private async Task<(string? Status, byte[] Message)> GrpcWebAsync(string path, byte[] message)
    {
        using var response = await SendAsync(path, Frame(message), "application/grpc-web+proto");
        if (Header(response, "grpc-status") is { } trailersOnly)
        {
            return (trailersOnly, []);
        }
        var body = await response.Content.ReadAsByteArrayAsync();
        byte[] data = [];
        string? status = null;
        for (var at = 0; at + 5 <= body.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(at + 1));
            var payload = body.AsSpan(at + 5, length);
            if ((body[at] & 0x80) != 0)
            {
                status = System.Text.Encoding.ASCII.GetString(payload).Split("\r\n").First(l => l.StartsWith("grpc-status:", StringComparison.Ordinal))["grpc-status:".Length..].Trim();
            }
            else
            {
                data = payload.ToArray();
            }
            at += 5 + length;
        }
        return (status, data);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault()
        : response.TrailingHeaders.TryGetValues(name, out var trailing) ? trailing.FirstOrDefault() : null;
}
