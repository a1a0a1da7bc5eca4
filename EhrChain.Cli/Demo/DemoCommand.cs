using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Commands;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Node.Network;

namespace EhrChain.Cli.Demo;

/// <summary><c>ehrchain demo</c>: a throwaway local 4-node cluster and the EHR walk-through on it.</summary>
internal static class DemoCommand
{
    public static Command Create(GlobalOptions global)
    {
        var keep = new Option<bool>("--keep") { Description = "Keep the network directory (keys, logs, data) afterwards." };
        var web = new Option<bool>("--web")
        {
            Description = "Afterwards keep the nodes running, node-0 serving the web page on 127.0.0.1 (its URL is printed) with the demo's participants, until Ctrl-C.",
        };
        var command = new Command("demo", "Start a throwaway 4-node cluster and walk through the EHR scenario.") { keep, web };
        command.SetAction(async (parse, ct) =>
        {
            var cli = global.Output(parse);
            var directory = Path.Combine(Path.GetTempPath(), "ehrchain-demo-" + Guid.NewGuid().ToString("N")[..8]);
            var (clientPort, peerPort) = LocalPorts.FindRuns(4);
            new NetworkLayout(directory, 4, "ehrchain-demo", "admin", clientPort, peerPort, [], "127.0.0.1", samePorts: false).Write();
            var webPage = parse.GetValue(web) ? DemoWeb.Enable(directory, clientPort, peerPort, 4) : null;
            try
            {
                cli.Say($"Starting 4 validator nodes (f = 1) in {directory} ...");
                DemoOutcome outcome;
                await using (var cluster = new LocalCluster(directory, ClusterNode.ReadAll(directory)))
                {
                    await cluster.StartAsync(TimeSpan.FromSeconds(60), ct).ConfigureAwait(false);
                    cli.Say($"Nodes up: {string.Join(", ", cluster.Nodes.Select(n => $"{n.Id} {n.ClientAddress}"))}");
                    cli.Say($"Every call goes over TLS, verified against the demo network's CA ({Path.Combine(directory, "tls", "ca.crt")}); validators talk over mutual TLS.");
                    cli.Say("");
                    var admin = KeyFile.Load(Path.Combine(directory, "keys", "admin.key.json"));
                    var scenario = new DemoScenario(cluster.Nodes.Select(n => n.Client).ToList(), admin, Path.Combine(directory, "keys"), cli.Say, parse.GetValue(global.Timeout));
                    try
                    {
                        outcome = await scenario.RunAsync(ct).ConfigureAwait(false);
                    }
                    catch (Grpc.Core.RpcException e)
                    {
                        throw Client.CliRpcErrors.Describe(e, cluster.Nodes[0].ClientAddress);
                    }
                    if (webPage is not null)
                    {
                        await ServeWebPageAsync(cli, webPage, directory, ct).ConfigureAwait(false);
                    }
                    cli.Say("");
                    cli.Say("Stopping the nodes ...");
                }
                cli.Result(
                    new JsonObject
                    {
                        ["succeeded"] = outcome.Succeeded,
                        ["allNodesAgree"] = outcome.AllNodesAgree,
                        ["headHashes"] = new JsonArray(outcome.HeadHashes.Select(h => (JsonNode)h).ToArray()),
                        ["refusals"] = new JsonObject
                        {
                            ["labDiagnosis"] = outcome.LabRefusedDiagnosis,
                            ["doctorBRead"] = outcome.DoctorBReadRefused,
                            ["doctorBWrite"] = outcome.DoctorBWriteRefused,
                            ["revokedDoctorWrite"] = outcome.RevokedDoctorWriteRefused,
                            ["revokedDoctorRead"] = outcome.RevokedDoctorReadRefused,
                            ["pharmacistRecordRead"] = outcome.PharmacistRecordReadRefused,
                            ["secondDispensing"] = outcome.SecondDispensingRefused,
                        },
                        ["pharmacistReadPrescription"] = outcome.PharmacistReadPrescription,
                        ["revokedDoctorCannotDecrypt"] = outcome.RevokedDoctorCannotDecrypt,
                        ["sealedProfiles"] = new JsonObject
                        {
                            ["grantedDoctorReadsPatientName"] = outcome.DoctorASawPatientName,
                            ["ungrantedDoctorSeesItSealed"] = outcome.DoctorBSawProfileSealed,
                            ["revokedDoctorNoLongerHandedTheKey"] = outcome.RevokedDoctorLostProfileKey,
                        },
                    },
                    text => text.Say(outcome.Succeeded
                        ? "Done: every rule held, and all four nodes hold the same head hash."
                        : "Done, but something did not go as the design says: see the lines marked unexpected above."));
                return outcome.Succeeded ? ExitCodes.Success : ExitCodes.Failure;
            }
            finally
            {
                if (parse.GetValue(keep))
                {
                    cli.Say($"Kept {directory}.");
                }
                else
                {
                    TryDelete(directory);
                }
            }
        });
        return command;
    }

    /// <summary>Prints the page's URL and whom to sign in as, then waits for Ctrl-C with the nodes up.</summary>
    private static async Task ServeWebPageAsync(CliOutput cli, Uri page, string directory, CancellationToken ct)
    {
        cli.Say("");
        cli.Say($"Web page: {page}  (node-0; open it in a browser on this machine)");
        cli.Say("Sign in with one of the demo's key files (read in the page, never uploaded):");
        foreach (var (alias, id, role, path) in DemoWeb.Participants(directory))
        {
            cli.Say($"  {alias,-12} {role,-11} {id}  {path}");
        }
        cli.Say("Press Ctrl-C to stop the nodes.");
        try
        {
            await Task.Delay(Timeout.Infinite, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop the nodes as the demo always does.
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // A node that was killed may still hold a file for a moment; the directory is in /tmp.
        }
    }
}
