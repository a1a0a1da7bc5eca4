using System.Net;
using System.Security.Cryptography;
using EhrChain.Consensus;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Configuration;
using EhrChain.Node.Peers;
using EhrChain.Node.Tls;
using Microsoft.Extensions.Logging.Abstractions;

namespace EhrChain.Node.Hosting;

/// <summary>Every setting of a node, read and checked before anything starts.</summary>
internal sealed record NodeSettings(
    NodeOptions Node,
    AdmissionOptions Admission,
    ConsensusOptions Consensus,
    PeerTransportOptions Peers,
    EhrChain.Node.AccessLog.AccessLogOptions AccessLog,
    GenesisFile Genesis,
    NodeIdentity Identity,
    string DataDirectory,
    IPEndPoint ClientEndpoint,
    IPEndPoint PeerEndpoint,
    IPEndPoint? MetricsEndpoint,
    TlsFiles? Tls,
    KeyFile? EmergencyKeys,
    EhrChain.Node.Web.WebSettings? Web)
{
    /// <summary>Throws <see cref="NodeConfigurationException"/> naming the first bad setting.</summary>
    public static NodeSettings Load(IConfiguration configuration)
    {
        var node = Bind<NodeOptions>(configuration, NodeOptions.SectionName);
        var admission = Bind<AdmissionOptions>(configuration, AdmissionOptions.SectionName);
        var consensus = Bind<ConsensusOptions>(configuration, ConsensusOptions.SectionName);
        var peers = Bind<PeerTransportOptions>(configuration, "Peers");
        var accessLog = Bind<EhrChain.Node.AccessLog.AccessLogOptions>(configuration, EhrChain.Node.AccessLog.AccessLogOptions.SectionName);

        Require(!string.IsNullOrWhiteSpace(node.Id), "Node:Id is not set.");
        Require(!string.IsNullOrWhiteSpace(node.KeyFile), "Node:KeyFile is not set.");
        Require(!string.IsNullOrWhiteSpace(node.GenesisFile), "Node:GenesisFile is not set.");
        Require(!string.IsNullOrWhiteSpace(node.DataDirectory), "Node:DataDirectory is not set.");
        foreach (var problem in admission.Validate().Concat(consensus.Validate().Select(p => "Consensus: " + p)).Concat(accessLog.Validate()))
        {
            throw new NodeConfigurationException(problem);
        }
        Require(peers.QueueCapacity >= 100, "Peers:QueueCapacity must be at least 100.");

        GenesisFile genesis;
        try
        {
            genesis = GenesisFile.Load(node.Resolve(node.GenesisFile));
        }
        catch (FormatException e)
        {
            throw new NodeConfigurationException($"Node:GenesisFile: {e.Message}", e);
        }

        KeyFile keys;
        try
        {
            var passphrase = string.IsNullOrEmpty(node.KeyPassphraseEnv) ? null : Environment.GetEnvironmentVariable(node.KeyPassphraseEnv);
            keys = KeyFile.Load(node.Resolve(node.KeyFile), passphrase);
        }
        catch (KeyFileException e)
        {
            throw new NodeConfigurationException($"Node:KeyFile: {e.Message}", e);
        }
        var validator = genesis.FindValidator(node.Id);
        Require(validator is not null || node.Joining,
            $"Node:Id: '{node.Id}' is not a validator in the genesis file (validators: {string.Join(", ", genesis.Validators.Select(v => v.Id))}); a validator voted in later starts with Node:Joining=true.");
        Require(validator is null || !node.Joining, $"Node:Joining: '{node.Id}' is a genesis validator; it does not join.");
        Require(keys.Id == node.Id, $"Node:KeyFile: the key file belongs to '{keys.Id}', not to '{node.Id}'.");
        Require(validator is null || keys.Signing.PublicKey.Equals(validator.SigningKey), $"Node:KeyFile: the key does not match validator '{node.Id}' in the genesis file.");

        var client = Endpoints.Parse(node.ClientListen, "Node:ClientListen");
        var peer = Endpoints.Parse(node.PeerListen, "Node:PeerListen");
        var metrics = string.IsNullOrWhiteSpace(node.MetricsListen) ? null : Endpoints.Parse(node.MetricsListen, "Node:MetricsListen");
        Require(client.Port != peer.Port, "Node:PeerListen must use another port than Node:ClientListen.");
        Require(metrics is null || (metrics.Port != client.Port && metrics.Port != peer.Port), "Node:MetricsListen must use a port of its own.");
        var web = EhrChain.Node.Web.WebSettings.Load(node);
        Require(web is null || (web.Endpoint.Port != client.Port && web.Endpoint.Port != peer.Port && web.Endpoint.Port != metrics?.Port), "Node:WebListen must use a port of its own.");

        return new NodeSettings(node, admission, consensus, peers, accessLog, genesis, new NodeIdentity(node.Id, keys),
            node.Resolve(node.DataDirectory), client, peer, metrics, LoadTls(node), LoadEmergencyKeys(node, genesis), web);
    }

    /// <summary>The trustee key is checked against the genesis file's trustees, so a wrong file stops start-up instead of releasing nothing.</summary>
    private static KeyFile? LoadEmergencyKeys(NodeOptions node, GenesisFile genesis)
    {
        if (string.IsNullOrWhiteSpace(node.EmergencyKeyFile))
        {
            return null;
        }
        KeyFile keys;
        try
        {
            var passphrase = string.IsNullOrEmpty(node.EmergencyKeyPassphraseEnv) ? null : Environment.GetEnvironmentVariable(node.EmergencyKeyPassphraseEnv);
            keys = KeyFile.Load(node.Resolve(node.EmergencyKeyFile), passphrase);
        }
        catch (KeyFileException e)
        {
            throw new NodeConfigurationException($"Node:EmergencyKeyFile: {e.Message}", e);
        }
        var trustee = genesis.Emergency?.FindTrustee(keys.Id);
        Require(trustee is not null, $"Node:EmergencyKeyFile: '{keys.Id}' is not an emergency trustee in the genesis file.");
        Require(trustee!.SigningKey.Equals(keys.Signing.PublicKey) && trustee.EncryptionKey.Equals(keys.Encryption.PublicKey),
            $"Node:EmergencyKeyFile: the keys do not match trustee '{keys.Id}' in the genesis file.");
        return keys;
    }

    /// <summary>Null only when Node:Insecure is explicitly true; missing TLS settings never fall back to plaintext.</summary>
    private static TlsFiles? LoadTls(NodeOptions node)
    {
        var given = new[] { node.TlsCertificate, node.TlsKey, node.TlsCa }.Any(s => !string.IsNullOrWhiteSpace(s));
        if (node.Insecure)
        {
            Require(!given, "Node:Insecure is true but TLS files are set (Node:TlsCertificate, Node:TlsKey, Node:TlsCa); set one or the other.");
            return null;
        }
        const string OrInsecure = "(or Node:Insecure=true for plaintext local development)";
        Require(!string.IsNullOrWhiteSpace(node.TlsCertificate), $"Node:TlsCertificate is not set {OrInsecure}.");
        Require(!string.IsNullOrWhiteSpace(node.TlsKey), $"Node:TlsKey is not set {OrInsecure}.");
        Require(!string.IsNullOrWhiteSpace(node.TlsCa), $"Node:TlsCa is not set {OrInsecure}.");

        var files = new TlsFiles(node.Resolve(node.TlsCertificate), node.Resolve(node.TlsKey), node.Resolve(node.TlsCa), node.Id);
        NetworkTrust trust;
        try
        {
            trust = NetworkTrust.Load(files.Ca);
        }
        catch (Exception e) when (e is CryptographicException or IOException)
        {
            throw new NodeConfigurationException($"Node:TlsCa: '{files.Ca}' is not a PEM or DER certificate: {e.Message}", e);
        }
        try
        {
            _ = ReloadingCertificate.Open(files.Certificate, files.Key, files.Check(trust), NullLogger.Instance);
        }
        catch (Exception e) when (e is CryptographicException or IOException or InvalidDataException or ArgumentException)
        {
            throw new NodeConfigurationException($"Node:TlsCertificate: '{files.Certificate}' with key '{files.Key}': {e.Message}", e);
        }
        return files;
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options, binder => binder.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            throw new NodeConfigurationException($"{section}: {e.Message}", e);
        }
        return options;
    }

    private static void Require(bool ok, string message)
    {
        if (!ok)
        {
            throw new NodeConfigurationException(message);
        }
    }
}

/// <summary>Where a node's TLS material lives, checked at start-up.</summary>
internal sealed record TlsFiles(string Certificate, string Key, string Ca, string NodeId)
{
    /// <summary>A node certificate must come from the network CA, name this node, and serve both ends of a TLS connection.</summary>
    public Func<System.Security.Cryptography.X509Certificates.X509Certificate2, string?> Check(NetworkTrust trust) =>
        certificate => trust.CheckValidator(certificate, NodeId, NetworkTrust.ServerAuth) ?? trust.CheckValidator(certificate, NodeId, NetworkTrust.ClientAuth);
}
