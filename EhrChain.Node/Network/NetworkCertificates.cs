using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Node.Tls;

namespace EhrChain.Node.Network;

/// <summary>
/// A network's TLS material: one CA (ECDSA P-256) that issues a certificate per validator node,
/// naming the validator id (CN and URI SAN) and the names clients and peers reach it by. Private
/// keys are written owner-only (0600); the CA key stays in the network directory, so `genesis cert`
/// can issue a replacement when a node's certificate is rotated.
/// </summary>
public sealed class NetworkCertificates(string directory, string? caKeyPath = null)
{
    private static readonly TimeSpan CaLifetime = TimeSpan.FromDays(3650);
    private static readonly TimeSpan NodeLifetime = TimeSpan.FromDays(365);
    // Certificates start a little in the past, so a node whose clock lags a few minutes accepts a fresh one.
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    public string Directory { get; } = directory;
    public string CaPath => Path.Combine(Directory, "ca.crt");
    /// <summary>The CA's private key: in the tls directory unless kept elsewhere (as docker compose does, out of the nodes' reach).</summary>
    public string CaKeyPath => caKeyPath ?? Path.Combine(Directory, "ca.key");
    public string CertificatePath(string validatorId) => Path.Combine(Directory, $"{validatorId}.crt");
    public string KeyPath(string validatorId) => Path.Combine(Directory, $"{validatorId}.key");

    /// <summary>Creates the network CA: ca.crt and ca.key.</summary>
    public void CreateCa(string chainId)
    {
        System.IO.Directory.CreateDirectory(Directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN=EhrChain network CA, O={Escape(chainId)}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        using var ca = request.CreateSelfSigned(now - ClockSkew, now + CaLifetime);
        WriteSecret(CaKeyPath, key.ExportPkcs8PrivateKeyPem());
        WritePublic(CaPath, ca.ExportCertificatePem());
    }

    /// <summary>Issues (or replaces) a validator's certificate, valid for localhost, 127.0.0.1 and <paramref name="host"/>.</summary>
    public X509Certificate2 Issue(string validatorId, string host)
    {
        using var ca = LoadCa();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={Escape(validatorId)}"), key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        if (IPAddress.TryParse(host, out var address))
        {
            if (!address.Equals(IPAddress.Loopback))
            {
                names.AddIpAddress(address);
            }
        }
        else if (host != "localhost")
        {
            names.AddDnsName(host);
        }
        names.AddUri(new Uri(ValidatorCertificate.UriOf(validatorId)));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([NetworkTrust.ServerAuth, NetworkTrust.ClientAuth], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + NodeLifetime < ca.NotAfter ? now + NodeLifetime : new DateTimeOffset(ca.NotAfter.ToUniversalTime());
        var certificate = request.Create(ca, now - ClockSkew, notAfter, RandomNumberGenerator.GetBytes(16));
        // The key first: a node that looks in between sees a mismatched pair, keeps its old certificate and looks again.
        WriteSecret(KeyPath(validatorId), key.ExportPkcs8PrivateKeyPem());
        WritePublic(CertificatePath(validatorId), certificate.ExportCertificatePem());
        return certificate;
    }

    private X509Certificate2 LoadCa()
    {
        if (!File.Exists(CaPath) || !File.Exists(CaKeyPath))
        {
            throw new NetworkSetupException($"No network CA in '{Directory}' (ca.crt and ca.key); `genesis new` writes them.");
        }
        try
        {
            return X509Certificate2.CreateFromPemFile(CaPath, CaKeyPath);
        }
        catch (CryptographicException e)
        {
            throw new NetworkSetupException($"'{CaPath}' with '{CaKeyPath}' is not a CA certificate and its key: {e.Message}");
        }
    }

    private static string Escape(string value) => value.Replace("\"", "", StringComparison.Ordinal).Replace(",", " ", StringComparison.Ordinal).Replace("=", " ", StringComparison.Ordinal);

    private static void WritePublic(string path, string pem) => Replace(path, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    private static void WriteSecret(string path, string pem) => Replace(path, pem, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    // Written beside and renamed over: a reader sees the old file or the new one, never half of one.
    private static void Replace(string path, string content, UnixFileMode mode)
    {
        var temporary = path + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
            File.Delete(temporary);
        }
        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            writer.Write(content);
        }
        File.Move(temporary, path, overwrite: true);
    }
}
