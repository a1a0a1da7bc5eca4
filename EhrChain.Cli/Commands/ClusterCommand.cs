using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;
using EhrChain.Node.Network;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain cluster up</c>: lays out a network if the directory has none, starts every node
/// as its own process on 127.0.0.1, prints the endpoints, and stops them all on Ctrl-C.
/// </summary>
internal static class ClusterCommand
{
    public const string DefaultDirectory = NetworkEscrow.LocalClusterDirectory;

    public static Command Create(GlobalOptions global)
    {
        var nodes = new Option<int>("--nodes") { Description = "How many validators, for a new network (default 4).", DefaultValueFactory = _ => 4 };
        var directory = new Option<DirectoryInfo>("--dir") { Description = $"The network directory (default {DefaultDirectory}).", DefaultValueFactory = _ => new DirectoryInfo(DefaultDirectory) };
        var up = new Command("up", "Start a local cluster in the foreground; Ctrl-C stops every node.") { nodes, directory };
        up.SetAction(async (parse, cancellationToken) =>
        {
            var cli = global.Output(parse);
            var dir = parse.GetRequiredValue(directory).FullName;
            await using var cluster = await LocalCluster.StartAsync(dir, parse.GetValue(nodes), parse.GetValue(global.Timeout), cli.Say, cancellationToken).ConfigureAwait(false);
            cli.Result(
                new JsonObject
                {
                    ["directory"] = dir,
                    ["nodes"] = new JsonArray(cluster.Nodes.Select(n => (JsonNode)new JsonObject { ["id"] = n.Id, ["client"] = n.ClientAddress }).ToArray()),
                },
                text =>
                {
                    text.Say($"Cluster of {cluster.Nodes.Count} nodes running from {dir}:");
                    foreach (var node in cluster.Nodes)
                    {
                        text.Say($"  {node.Id,-8} {node.ClientAddress}");
                    }
                    text.Say($"Admin key: {Path.Combine(dir, "keys", "admin.key.json")}   logs: {Path.Combine(dir, "logs")}");
                    text.Say("Press Ctrl-C to stop.");
                });
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                cli.Say("Stopping the cluster...");
            }
            return ExitCodes.Success;
        });
        return new Command("cluster", "Run a local cluster.") { up };
    }
}
