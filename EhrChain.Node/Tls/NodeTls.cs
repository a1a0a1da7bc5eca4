using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using EhrChain.Node.Errors;
using EhrChain.Node.Validators;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace EhrChain.Node.Tls;

/// <summary>
/// A node's TLS: its own certificate (reloaded when the files change), the network CA as the only
/// root, and the genesis validators as the only peers. The client listener authenticates the node
/// to clients; the peer listener and every outbound peer link authenticate both ends.
/// </summary>
public sealed partial class NodeTls
{
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromSeconds(10);

    private readonly ValidatorDirectory _directory;
    private readonly string _selfId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private long _lastRefusalLogged = long.MinValue;

    public NodeTls(NetworkTrust trust, ReloadingCertificate certificate, ValidatorDirectory directory, string selfId, TimeProvider time, ILogger logger)
    {
        Trust = trust;
        Certificate = certificate;
        _directory = directory;
        _selfId = selfId;
        _time = time;
        _logger = logger;
    }

    public NetworkTrust Trust { get; }
    public ReloadingCertificate Certificate { get; }

    public static SslProtocols Protocols => SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>The client listener: the node proves who it is; clients stay anonymous at the TLS layer (they sign their requests).</summary>
    public HttpsConnectionAdapterOptions ClientListener() => new()
    {
        ServerCertificateSelector = (_, _) => Certificate.Current,
        ClientCertificateMode = ClientCertificateMode.NoCertificate,
        SslProtocols = Protocols,
    };

    /// <summary>The peer listener: only a validator the directory names, with a certificate from the network CA gets past the handshake.</summary>
    public HttpsConnectionAdapterOptions PeerListener() => new()
    {
        ServerCertificateSelector = (_, _) => Certificate.Current,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        ClientCertificateValidation = (certificate, _, _) => AcceptPeer(certificate),
        SslProtocols = Protocols,
    };

    /// <summary>The outbound side of a peer link to <paramref name="peerId"/>: presents <paramref name="own"/>, and accepts only that validator's certificate.</summary>
    public SslClientAuthenticationOptions PeerDialer(string peerId, X509Certificate2 own) => new()
    {
        EnabledSslProtocols = Protocols,
        LocalCertificateSelectionCallback = (_, _, _, _, _) => own,
        // The host name is not what identifies a validator: its id in a certificate from the network CA is.
        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            var problem = certificate is X509Certificate2 presented
                ? Trust.CheckValidator(presented, peerId, NetworkTrust.ServerAuth)
                : "no certificate";
            if (problem is not null)
            {
                LogRefusal($"dialled {peerId}", problem);
            }
            return problem is null;
        },
    };

    private bool AcceptPeer(X509Certificate2 certificate)
    {
        var problem = Trust.Check(certificate, NetworkTrust.ClientAuth);
        if (problem is null)
        {
            var id = ValidatorCertificate.IdOf(certificate);
            problem = id is null ? "the certificate names no validator"
                : id == _selfId ? "the certificate is this node's own"
                : _directory.Find(id) is null ? $"'{ApiErrors.Quote(id)}' is not a validator of this network"
                : null;
        }
        if (problem is not null)
        {
            LogRefusal("peer listener", problem);
        }
        return problem is null;
    }

    // A stranger can open TLS connections at will: say why one was refused, but not once per attempt.
    private void LogRefusal(string where, string problem)
    {
        var now = _time.GetTimestamp();
        var last = Interlocked.Read(ref _lastRefusalLogged);
        if (last != long.MinValue && _time.GetElapsedTime(last, now) < RefusalLogInterval)
        {
            return;
        }
        if (Interlocked.CompareExchange(ref _lastRefusalLogged, now, last) == last)
        {
            LogRefused(where, problem);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a TLS certificate ({Where}): {Reason} (further refusals within 10 s are not logged)")]
    private partial void LogRefused(string where, string reason);
}
