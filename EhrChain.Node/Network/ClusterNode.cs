using EhrChain.Client.Session;
using EhrChain.Node.Configuration;

namespace EhrChain.Node.Network;

/// <summary>One node of a network directory: its id, config file, the address clients reach it at and how to trust it.</summary>
public sealed record ClusterNode(string Id, string ConfigPath, string ClientAddress, NodeTarget Client)
{
    /// <summary>Reads the nodes of a network directory that `genesis new` wrote.</summary>
    public static IReadOnlyList<ClusterNode> ReadAll(string directory)
    {
        var configs = Directory.Exists(directory)
            ? Directory.GetFiles(directory, "node-*.json").OrderBy(NodeNumber).ToList()
            : [];
        if (configs.Count == 0)
        {
            throw new NetworkSetupException($"No node config files (node-*.json) in '{directory}'.");
        }
        return configs.Select(Read).ToList();
    }

    // node-10 sorts after node-9, not after node-1.
    private static int NodeNumber(string path) =>
        int.TryParse(Path.GetFileNameWithoutExtension(path).AsSpan("node-".Length), out var number) ? number : int.MaxValue;

    private static ClusterNode Read(string path)
    {
        NodeOptions? node;
        try
        {
            node = new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(NodeOptions.SectionName).Get<NodeOptions>();
        }
        catch (InvalidDataException e)
        {
            throw new NetworkSetupException($"'{path}' is not valid JSON: {e.Message}");
        }
        if (node is null || string.IsNullOrEmpty(node.Id))
        {
            throw new NetworkSetupException($"'{path}' has no Node:Id.");
        }
        // A node listening on every interface is reached on loopback from this machine.
        var listen = node.ClientListen;
        var address = listen.StartsWith("0.0.0.0:", StringComparison.Ordinal) ? "127.0.0.1" + listen[7..] : listen;
        // Clients of a local cluster trust its own CA, the one its node configs name.
        node.BaseDirectory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "";
        var client = (node.Insecure ? NodeTarget.Plaintext(address) : NodeTarget.Tls(address, node.Resolve(node.TlsCa))) with { GenesisFile = node.Resolve(node.GenesisFile) };
        return new ClusterNode(node.Id, path, address, client);
    }
}
