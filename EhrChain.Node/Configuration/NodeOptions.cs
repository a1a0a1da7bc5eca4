namespace EhrChain.Node.Configuration;

/// <summary>
/// The "Node" configuration section: who this node is and where it listens. Relative paths are
/// resolved against <see cref="BaseDirectory"/> (the config file's directory).
/// </summary>
public sealed class NodeOptions
{
    public const string SectionName = "Node";

    /// <summary>This validator's id, as in the genesis file.</summary>
    public string Id { get; set; } = "";

    /// <summary>This validator's key file.</summary>
    public string KeyFile { get; set; } = "";

    /// <summary>The environment variable holding the key file's passphrase, when it has one.</summary>
    public string? KeyPassphraseEnv { get; set; }

    public string GenesisFile { get; set; } = "";

    /// <summary>Where the node's RocksDB lives.</summary>
    public string DataDirectory { get; set; } = "";

    /// <summary>host:port of the public gRPC API (HTTP/2 without TLS).</summary>
    public string ClientListen { get; set; } = "127.0.0.1:7000";

    /// <summary>host:port where the other validators' streams arrive.</summary>
    public string PeerListen { get; set; } = "127.0.0.1:7100";

    /// <summary>host:port of the Prometheus /metrics endpoint (HTTP/1.1); empty turns it off.</summary>
    public string MetricsListen { get; set; } = "";

    /// <summary>The directory relative paths are resolved against; the config file's directory.</summary>
    public string BaseDirectory { get; set; } = "";

    public string Resolve(string path) =>
        Path.IsPathRooted(path) || string.IsNullOrEmpty(BaseDirectory) ? path : Path.GetFullPath(Path.Combine(BaseDirectory, path));
}
