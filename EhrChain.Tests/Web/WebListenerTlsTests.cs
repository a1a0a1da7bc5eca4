using System.Net;
using EhrChain.Client.Session;
using EhrChain.Tests.Integration;

namespace EhrChain.Tests.Web;

/// <summary>
/// A web listener with Node:WebCertificate speaks HTTPS only (HTTP/2 by ALPN, or HTTP/1.1), with
/// that certificate: what an operator configures off loopback. The test uses the node's own
/// certificate from the network CA; a deployment uses one its users' browsers trust.
/// </summary>
[NonParallelizable]
public sealed class WebListenerTlsTests
{
    [Test]
    public async Task With_a_certificate_the_page_is_served_over_https_and_not_in_clear()
    {
        await using var cluster = await TestCluster.StartAsync(web: true, settings: new Dictionary<string, string?>
        {
            ["Node:WebCertificate"] = "tls/node-0.crt",
            ["Node:WebKey"] = "tls/node-0.key",
        });
        using var https = new HttpClient(new SocketsHttpHandler { SslOptions = NodeChannels.TrustOnly(NodeChannels.LoadCa(cluster.CaPath)) })
        {
            Timeout = TimeSpan.FromSeconds(30),
        };
        using var page = await https.GetAsync(new Uri($"https://{cluster.WebAddress(0)}/"));
        using var overHttp2 = await https.SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri($"https://{cluster.WebAddress(0)}/app.js"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        });
        using var plain = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(overHttp2.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            Assert.That(overHttp2.Version, Is.EqualTo(HttpVersion.Version20));
            Assert.That(async () => await plain.GetAsync(cluster.WebUri(0)), Throws.InstanceOf<HttpRequestException>());
        }
    }
}
