using System.Text.Json;
using System.Text.Json.Nodes;
using EhrChain.Core.Keys;
using EhrChain.Node.Network;

namespace EhrChain.Cli.Demo;

/// <summary>
/// <c>ehrchain demo --web</c>: node-0 of the demo network also serves the web page, on plain HTTP
/// on 127.0.0.1 (which browsers treat as a secure context, and no other machine reaches), and the
/// demo's participants are listed with the key files to sign in with.
/// </summary>
internal static class DemoWeb
{
    /// <summary>Adds Node:WebListen on a free loopback port to node-0's config file; returns the page's URL.</summary>
    public static Uri Enable(string directory, int clientPort, int peerPort, int nodes)
    {
        var port = LocalPorts.FindRuns(1).Client;
        while (port >= clientPort && port < peerPort + nodes)
        {
            port = LocalPorts.FindRuns(1).Client;
        }
        var configPath = Path.Combine(directory, "node-0.json");
        var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        config["Node"]!.AsObject()["WebListen"] = $"127.0.0.1:{port}";
        File.WriteAllText(configPath, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        return new Uri($"http://127.0.0.1:{port}/");
    }

    /// <summary>Each demo participant's key file, its id and role: what a person chooses on the sign-in page.</summary>
    public static IReadOnlyList<(string Alias, string Id, string Role, string Path)> Participants(string directory)
    {
        var keys = Path.Combine(directory, "keys");
        return Directory.GetFiles(keys, "*.key.json")
            .Where(path => !Path.GetFileName(path).StartsWith("node-", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(path =>
            {
                var file = PublicIdentity.Load(path);
                return (Path.GetFileName(path)[..^".key.json".Length], file.Id, file.Role.ToString().ToLowerInvariant(), path);
            })
            .ToList();
    }
}
