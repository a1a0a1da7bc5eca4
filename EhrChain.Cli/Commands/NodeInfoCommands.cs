using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Client;
using EhrChain.Cli.Commands.Query;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;
using EhrChain.Node.Api;
using Grpc.Core;
using Grpc.Health.V1;

namespace EhrChain.Cli.Commands;

/// <summary><c>ehrchain status</c> and <c>ehrchain health</c>: what a node says about itself.</summary>
internal static class NodeInfoCommands
{
    public static Command Status(GlobalOptions global)
    {
        var command = new Command("status", "A node's height, head, view, primary, peers and mempool.");
        command.SetAction((parse, ct) => QueryCommand.Unsigned(global, parse, async (ledger, cli) =>
        {
            var status = await ledger.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(parse.GetValue(global.Timeout)), cancellationToken: ct).ConfigureAwait(false);
            cli.Result(
                new JsonObject
                {
                    ["nodeId"] = status.NodeId,
                    ["chainId"] = status.ChainId,
                    ["genesisHash"] = status.GenesisHash,
                    ["height"] = status.Height,
                    ["headHash"] = status.HeadHash,
                    ["epoch"] = status.Epoch,
                    ["view"] = status.View,
                    ["validating"] = status.Validating,
                    ["primary"] = status.Primary,
                    ["connectedPeers"] = new JsonArray(status.ConnectedPeers.Select(p => (JsonNode)p).ToArray()),
                    ["mempoolSize"] = status.MempoolSize,
                    ["stableCheckpoint"] = status.StableCheckpoint,
                },
                text =>
                {
                    text.Say($"{status.NodeId} on chain {status.ChainId} (genesis {status.GenesisHash[..8]})");
                    text.Say($"  height {status.Height}, head {status.HeadHash}");
                    text.Say($"  epoch {status.Epoch}, view {status.View}, primary {status.Primary}, stable checkpoint {status.StableCheckpoint}{(status.Validating ? "" : ", following as a learner")}");
                    text.Say($"  peers connected: {(status.ConnectedPeers.Count == 0 ? "none" : string.Join(", ", status.ConnectedPeers))}; mempool {status.MempoolSize}");
                });
            return ExitCodes.Success;
        }));
        return command;
    }

    public static Command Health(GlobalOptions global)
    {
        var command = new Command("health", "Exit 0 when the node is serving (the docker healthcheck).");
        command.SetAction(async (parse, ct) =>
        {
            var node = global.Target(parse);
            using var channel = NodeChannels.Open(node);
            var cli = global.Output(parse);
            try
            {
                var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.Add(parse.GetValue(global.Timeout)), cancellationToken: ct).ConfigureAwait(false);
                var serving = reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
                cli.Result(new JsonObject { ["node"] = node.Address, ["status"] = reply.Status.ToString() }, text => text.Say($"{node}: {reply.Status}"));
                return serving ? ExitCodes.Success : ExitCodes.Unavailable;
            }
            catch (RpcException e)
            {
                throw CliRpcErrors.Describe(e, node.Address);
            }
        });
        return command;
    }
}
