using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Node.Configuration;

namespace EhrChain.Node.Web;

/// <summary>
/// The web listener's settings (<c>Node:WebListen</c>, <c>WebCertificate</c>, <c>WebKey</c>,
/// <c>WebHosts</c>), checked at start-up like every other setting.
/// </summary>
public sealed record WebSettings(IPEndPoint Endpoint, X509Certificate2? Certificate, IReadOnlySet<string> Hosts)
{
    /// <summary>Null when the web page is off; throws <see cref="NodeConfigurationException"/> naming a bad setting.</summary>
    public static WebSettings? Load(NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (string.IsNullOrWhiteSpace(node.WebListen))
        {
            if (!string.IsNullOrWhiteSpace(node.WebCertificate) || !string.IsNullOrWhiteSpace(node.WebKey) || !string.IsNullOrWhiteSpace(node.WebHosts))
            {
                throw new NodeConfigurationException("Node:WebCertificate, Node:WebKey and Node:WebHosts need Node:WebListen.");
            }
            return null;
        }
        var endpoint = Endpoints.Parse(node.WebListen, "Node:WebListen");
        var certificate = LoadCertificate(node);
        // Plain HTTP is only defensible where no one else is on the path: the loopback interface.
        // A browser treats http://127.0.0.1 as a secure context (WebCrypto works); anywhere else the
        // page, its signed requests and the ciphertext it fetches would cross a network in clear.
        if (certificate is null && !IPAddress.IsLoopback(endpoint.Address))
        {
            throw new NodeConfigurationException(
                $"Node:WebListen: '{node.WebListen}' is not a loopback address, so it needs Node:WebCertificate and Node:WebKey (a certificate the users' browsers trust); plain HTTP is served on 127.0.0.1 only.");
        }
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "localhost" };
        if (!endpoint.Address.Equals(IPAddress.Any))
        {
            hosts.Add(endpoint.Address.ToString());
        }
        if (IPAddress.IsLoopback(endpoint.Address))
        {
            hosts.Add("127.0.0.1");
        }
        foreach (var host in node.WebHosts.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (host.Contains(':', StringComparison.Ordinal) || host.Contains('/', StringComparison.Ordinal))
            {
                throw new NodeConfigurationException($"Node:WebHosts: '{host}' is not a host name (give names without a scheme or port).");
            }
            hosts.Add(host);
        }
        return new WebSettings(endpoint, certificate, hosts);
    }

    private static X509Certificate2? LoadCertificate(NodeOptions node)
    {
        var hasCertificate = !string.IsNullOrWhiteSpace(node.WebCertificate);
        if (hasCertificate != !string.IsNullOrWhiteSpace(node.WebKey))
        {
            throw new NodeConfigurationException("Node:WebCertificate and Node:WebKey are set together or not at all.");
        }
        if (!hasCertificate)
        {
            return null;
        }
        var certificatePath = node.Resolve(node.WebCertificate);
        var keyPath = node.Resolve(node.WebKey);
        try
        {
            using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            // Kestrel on Linux needs the key in an exportable form it can hand to OpenSSL.
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        }
        catch (Exception e) when (e is CryptographicException or IOException or ArgumentException)
        {
            throw new NodeConfigurationException($"Node:WebCertificate: '{certificatePath}' with key '{keyPath}': {e.Message}", e);
        }
    }
}
