using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace EhrChain.Client.Session;

/// <summary>
/// gRPC channels to a node's client address: HTTP/2 over TLS, the node's certificate checked
/// against the network CA given (only that CA, not the system's roots, so a certificate from any
/// public CA does not pass for a node) or against the system roots when none is given. Plaintext
/// only for a target marked insecure.
/// </summary>
public static class NodeChannels
{
    /// <exception cref="FormatException">The address is not host:port, or is plaintext http without <see cref="NodeTarget.Insecure"/>.</exception>
    public static GrpcChannel Open(NodeTarget node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var address = node.Address;
        if (address.Contains("://", StringComparison.Ordinal))
        {
            var scheme = address[..address.IndexOf("://", StringComparison.Ordinal)];
            if (scheme == "http" && !node.Insecure)
            {
                throw new FormatException($"--node '{address}' is plaintext http; pass --insecure to use it, or use host:port for TLS.");
            }
        }
        else
        {
            address = $"{(node.Insecure ? "http" : "https")}://{address}";
        }
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Port <= 0)
        {
            throw new FormatException($"--node '{node.Address}' is not host:port.");
        }
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(5) };
        if (uri.Scheme == "https" && node.CaFile is { } caFile)
        {
            handler.SslOptions = TrustOnly(LoadCa(caFile));
        }
        return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
        {
            MaxReceiveMessageSize = 64 * 1024 * 1024,
            HttpHandler = handler,
        });
    }

    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="FormatException">The file is not a certificate.</exception>
    public static X509Certificate2 LoadCa(string caFile)
    {
        if (!File.Exists(caFile))
        {
            throw new FileNotFoundException($"--ca: '{caFile}' does not exist.", caFile);
        }
        try
        {
            return X509CertificateLoader.LoadCertificateFromFile(caFile);
        }
        catch (CryptographicException e)
        {
            throw new FormatException($"--ca: '{caFile}' is not a certificate: {e.Message}", e);
        }
    }

    /// <summary>The node's certificate must chain to <paramref name="ca"/> and name the host dialled.</summary>
    public static SslClientAuthenticationOptions TrustOnly(X509Certificate2 ca)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            // A private network CA publishes no revocation list; rotation replaces certificates instead.
            RevocationMode = X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(ca);
        policy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.1"));
        return new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
    }
}
