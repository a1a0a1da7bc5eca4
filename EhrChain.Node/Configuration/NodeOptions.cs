namespace EhrChain.Node.Configuration;

/// <summary>
/// The "Node" configuration section: who this node is and where it listens. Relative paths are
/// resolved against <see cref="BaseDirectory"/> (the config file's directory).
/// </summary>
public sealed class NodeOptions
{
    public const string SectionName = "Node";

    /// <summary>This validator's id, as in the genesis file (or in the vote that brings it in, with <see cref="Joining"/>).</summary>
    public string Id { get; set; } = "";

    /// <summary>
    /// A validator that is not in the genesis file but joins by a vote of the current validators:
    /// it follows the chain as a learner until the chain makes it a member. Explicit, so a
    /// mistyped id is still refused at start rather than left following silently.
    /// </summary>
    public bool Joining { get; set; }

    /// <summary>This validator's key file.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The environment variable holding the key file's passphrase, when it has one.</summary>
    public string? KeyPassphraseEnv { get; set; }

    public string GenesisFile { get; set; } = "";

    /// <summary>
    /// This organisation's emergency trustee key file (one of the genesis file's trustees), if
    /// this node is to release its shares for every emergency it sees opened; empty: it releases
    /// nothing, and the trustee releases by hand or from another machine.
    /// </summary>
    public string EmergencyKeyFile { get; set; } = "";

    /// <summary>The environment variable holding the emergency key file's passphrase, when it has one.</summary>
    public string? EmergencyKeyPassphraseEnv { get; set; }

    /// <summary>Where the node's RocksDB lives.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>host:port of the public gRPC API (HTTP/2 over TLS, server-authenticated).</summary>
    public string ClientListen { get; set; } = "127.0.0.1:7000";

    /// <summary>host:port where the other validators' streams arrive (HTTP/2 over mutual TLS).</summary>
    public string PeerListen { get; set; } = "127.0.0.1:7100";

    /// <summary>host:port of the Prometheus /metrics endpoint (HTTP/1.1); empty turns it off.</summary>
    public string MetricsListen { get; set; } = "";

    /// <summary>
    /// host:port of the web page for patients, clinicians and operators (static app and gRPC-Web
    /// over HTTP/1.1 or HTTP/2); empty turns it off. Without <see cref="WebCertificate"/> it must
    /// be a loopback address: the page then runs on plain http://127.0.0.1, which browsers treat
    /// as a secure context and which no other machine can reach (docs/web.md).
    /// </summary>
    public string WebListen { get; set; } = "";

    /// <summary>
    /// The web listener's certificate (PEM) for a browser to trust: a certificate from a CA the
    /// users' browsers know, not the network CA, which no browser trusts. Required on a
    /// non-loopback <see cref="WebListen"/>.
    /// </summary>
    public string WebCertificate { get; set; } = "";

    /// <summary>The private key of <see cref="WebCertificate"/> (PEM).</summary>
    public string WebKey { get; set; } = "";

    /// <summary>
    /// Comma-separated host names the web page answers to (the Host header); a request naming
    /// another host is refused, so a hostile site cannot rebind its name to this node. Default:
    /// localhost and the listen address.
    /// </summary>
    public string WebHosts { get; set; } = "";

    /// <summary>This node's TLS certificate (PEM), issued by the network CA and naming <see cref="Id"/>; reloaded when the file changes.</summary>
    public string TlsCertificate { get; set; } = "";

    /// <summary>The private key of <see cref="TlsCertificate"/> (PEM, PKCS#8).</summary>
    public string TlsKey { get; set; } = "";

    /// <summary>The network CA certificate (PEM): the only root a peer's certificate may chain to.</summary>
    public string TlsCa { get; set; } = "";

    /// <summary>
    /// Plaintext HTTP/2 on both listeners, for local development only: anyone on the path reads
    /// and replays the traffic. Never implied by missing TLS settings; a node refuses to start instead.
    /// </summary>
    public bool Insecure { get; set; }

    /// <summary>The directory relative paths are resolved against; the config file's directory.</summary>
    public string BaseDirectory { get; set; } = "";

    public string Resolve(string path) =>
        Path.IsPathRooted(path) || string.IsNullOrEmpty(BaseDirectory) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));
}
