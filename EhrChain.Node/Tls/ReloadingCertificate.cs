using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EhrChain.Node.Tls;

/// <summary>
/// A certificate and key read from PEM files and read again when either file changes, so an
/// operator rotates a node's certificate by replacing the files, without a restart. A replacement
/// that does not load or does not pass <c>check</c> (say, the certificate is written but not yet
/// its key) leaves the previous certificate in use, and is tried again on the next handshake.
/// </summary>
public sealed partial class ReloadingCertificate
{
    private readonly string _certificatePath;
    private readonly string _keyPath;
    private readonly Func<X509Certificate2, string?> _check;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private FileStamp _stamp;
    private FileStamp _refused;
    private X509Certificate2 _current;

    private ReloadingCertificate(string certificatePath, string keyPath, Func<X509Certificate2, string?> check, ILogger logger, FileStamp stamp, X509Certificate2 current)
    {
        _certificatePath = certificatePath;
        _keyPath = keyPath;
        _check = check;
        _logger = logger;
        _stamp = stamp;
        _current = current;
    }

    /// <summary>Loads the files now; throws <see cref="InvalidDataException"/> with the reason when they do not load or fail <paramref name="check"/>.</summary>
    public static ReloadingCertificate Open(string certificatePath, string keyPath, Func<X509Certificate2, string?> check, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(check);
        var stamp = FileStamp.Of(certificatePath, keyPath);
        var certificate = Load(certificatePath, keyPath);
        if (check(certificate) is { } problem)
        {
            throw new InvalidDataException(problem);
        }
        return new ReloadingCertificate(certificatePath, keyPath, check, logger, stamp, certificate);
    }

    /// <summary>The certificate to present now: the files' current one when they changed and it is good, else the one before.</summary>
    public X509Certificate2 Current
    {
        get
        {
            var stamp = FileStamp.Of(_certificatePath, _keyPath);
            lock (_lock)
            {
                if (stamp == _stamp || stamp == _refused)
                {
                    return _current;
                }
                string? problem;
                X509Certificate2? loaded = null;
                try
                {
                    loaded = Load(_certificatePath, _keyPath);
                    problem = _check(loaded);
                }
                catch (Exception e) when (e is CryptographicException or IOException or InvalidDataException or ArgumentException)
                {
                    problem = e.Message;
                }
                if (problem is not null || loaded is null)
                {
                    _refused = stamp;
                    LogReloadRefused(_certificatePath, problem ?? "no certificate");
                    return _current;
                }
                _stamp = stamp;
                _current = loaded;
                LogReloaded(_certificatePath, loaded.Thumbprint, loaded.NotAfter);
                return _current;
            }
        }
    }

    private static X509Certificate2 Load(string certificatePath, string keyPath)
    {
        if (!File.Exists(certificatePath))
        {
            throw new InvalidDataException($"'{certificatePath}' does not exist");
        }
        if (!File.Exists(keyPath))
        {
            throw new InvalidDataException($"'{keyPath}' does not exist");
        }
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        // A PEM key is ephemeral; a PKCS#12 round trip gives a key every TLS backend can use.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the new TLS certificate {Path} (thumbprint {Thumbprint}, valid until {NotAfter:u})")]
    private partial void LogReloaded(string path, string thumbprint, DateTime notAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kept the previous TLS certificate: the new {Path} is not usable: {Reason}")]
    private partial void LogReloadRefused(string path, string reason);

    private readonly record struct FileStamp(DateTime CertificateWritten, long CertificateLength, DateTime KeyWritten, long KeyLength)
    {
        public static FileStamp Of(string certificatePath, string keyPath)
        {
            var certificate = new FileInfo(certificatePath);
            var key = new FileInfo(keyPath);
            return new FileStamp(
                certificate.Exists ? certificate.LastWriteTimeUtc : default, certificate.Exists ? certificate.Length : -1,
                key.Exists ? key.LastWriteTimeUtc : default, key.Exists ? key.Length : -1);
        }
    }
}
