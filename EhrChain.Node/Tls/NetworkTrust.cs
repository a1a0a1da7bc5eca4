using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Node.Errors;

namespace EhrChain.Node.Tls;

/// <summary>
/// The network's own CA as the only root: a certificate is trusted when it chains to it, whatever
/// the machine's root store says, so a certificate from a public CA never passes for a validator.
/// </summary>
public sealed class NetworkTrust
{
    private readonly X509Certificate2 _ca;

    public NetworkTrust(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        _ca = ca;
    }

    public X509Certificate2 Ca => _ca;

    /// <summary>Loads a PEM CA certificate; throws <see cref="System.Security.Cryptography.CryptographicException"/> when the file holds none.</summary>
    public static NetworkTrust Load(string caPath) => new(X509CertificateLoader.LoadCertificateFromFile(caPath));

    /// <summary>TLS server authentication (id-kp-serverAuth).</summary>
    public static Oid ServerAuth => new("1.3.6.1.5.5.7.3.1");

    /// <summary>TLS client authentication (id-kp-clientAuth).</summary>
    public static Oid ClientAuth => new("1.3.6.1.5.5.7.3.2");

    /// <summary>Null when <paramref name="certificate"/> chains to the CA, is valid now and allows <paramref name="purpose"/>; otherwise why not.</summary>
    public string? Check(X509Certificate2 certificate, Oid purpose)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        // A private network CA publishes no revocation list; rotation replaces certificates instead.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationFlags = X509VerificationFlags.NoFlag;
        chain.ChainPolicy.ApplicationPolicy.Add(purpose);
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.Status.ToString()).Distinct();
            return $"the certificate does not chain to the network CA ({string.Join(", ", reasons)})";
        }
        return null;
    }

    /// <summary>Null when <paramref name="certificate"/> is a network certificate naming <paramref name="validatorId"/>; otherwise why not.</summary>
    public string? CheckValidator(X509Certificate2 certificate, string validatorId, Oid purpose)
    {
        var problem = Check(certificate, purpose);
        if (problem is not null)
        {
            return problem;
        }
        var named = ValidatorCertificate.IdOf(certificate);
        return named == validatorId ? null : $"the certificate names {(named is null ? "no validator" : $"'{ApiErrors.Quote(named)}'")}, not '{validatorId}'";
    }
}
