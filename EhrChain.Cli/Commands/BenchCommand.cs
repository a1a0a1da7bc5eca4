using System.CommandLine;
using EhrChain.Bench;
using EhrChain.Cli.Output;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain bench</c>: drives a cluster with pre-signed transactions through the public API
/// and reports committed throughput, submit-to-commit latency, rejections, each node's CPU and
/// memory, and the machine's Ed25519 ceiling. The options are parsed here; the run is EhrChain.Bench's.
/// </summary>
internal static class BenchCommand
{
    public const string DefaultOut = "bench-out";

    public static Command Create(GlobalOptions global)
    {
        var nodes = new Option<string?>("--nodes") { Description = "Client addresses of a running cluster, host:port,host:port,..." };
        var local = new Option<int>("--local") { Description = "Start a throwaway local cluster of this many nodes (4, 7, ...), stopped at the end." };
        var duration = new Option<TimeSpan>("--duration") { Description = "The measured window (default 60s).", DefaultValueFactory = _ => TimeSpan.FromSeconds(60), CustomParser = Durations.Parse };
        var warmup = new Option<TimeSpan>("--warmup") { Description = "Load before the window that is not measured (default 10s).", DefaultValueFactory = _ => TimeSpan.FromSeconds(10), CustomParser = Durations.Parse };
        var clients = new Option<int>("--clients") { Description = "Concurrent clients, spread over the nodes, each with its own connection (default 16).", DefaultValueFactory = _ => 16 };
        var rate = new Option<string>("--rate") { Description = "Open loop at this many tx/s, or max for a closed loop (default max).", DefaultValueFactory = _ => "max" };
        var mix = new Option<string>("--mix") { Description = "append (UpdateAsset), grant (grants and revocations) or mixed (default append).", DefaultValueFactory = _ => "append" };
        var payload = new Option<int>("--payload") { Description = "Bytes of content per appended entry, encrypted before signing (default 512).", DefaultValueFactory = _ => 512 };
        var inFlight = new Option<int>("--inflight") { Description = "Closed loop: uncommitted transactions per client (default 32).", DefaultValueFactory = _ => 32 };
        var submit = new Option<string>("--submit") { Description = "stream (one SubmitStream per client) or unary (one Submit call per transaction) (default stream).", DefaultValueFactory = _ => "stream" };
        var adminKey = new Option<string?>("--admin-key") { Description = "With --nodes: the network Admin's key file, to enrol the benchmark's participants." };
        var readerKey = new Option<string?>("--reader-key") { Description = "With --nodes: a validator's or an enrolled auditor's key file, to follow every commit on one signed Subscribe stream." };
        var output = new Option<DirectoryInfo>("--out") { Description = $"Where report.json and report.html go (default {DefaultOut}/).", DefaultValueFactory = _ => new DirectoryInfo(DefaultOut) };

        var command = new Command("bench", "Measure committed throughput and submit-to-commit latency of a cluster.")
        {
            nodes, local, duration, warmup, clients, rate, mix, payload, inFlight, submit, adminKey, readerKey, output,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var rateText = parse.GetValue(rate) ?? "max";
            if (!BenchSettings.TryParseRate(rateText, out var rateValue))
            {
                throw new CliException($"--rate '{rateText}' is not a number of tx/s or max.") { ExitCode = ExitCodes.Usage };
            }
            var mixText = parse.GetValue(mix) ?? "append";
            if (!BenchSettings.TryParseMix(mixText, out var mixValue))
            {
                throw new CliException($"--mix '{mixText}' is not append, grant or mixed.") { ExitCode = ExitCodes.Usage };
            }
            var submitText = parse.GetValue(submit) ?? "stream";
            if (!BenchSettings.TryParseSubmit(submitText, out var submitValue))
            {
                throw new CliException($"--submit '{submitText}' is not stream or unary.") { ExitCode = ExitCodes.Usage };
            }
            IReadOnlyList<string> nodeList = [];
            if (parse.GetValue(nodes) is { } nodesText && !BenchSettings.TryParseNodes(nodesText, out nodeList, out var problem))
            {
                throw new CliException($"--nodes: {problem}") { ExitCode = ExitCodes.Usage };
            }
            var settings = new BenchSettings(
                nodeList,
                parse.GetValue(local),
                parse.GetValue(duration),
                parse.GetValue(warmup),
                parse.GetValue(clients),
                rateValue,
                mixValue,
                parse.GetValue(payload),
                parse.GetRequiredValue(output).FullName,
                parse.GetValue(inFlight),
                parse.GetValue(adminKey),
                submitValue,
                parse.GetValue(readerKey));
            if (settings.Validate() is { Count: > 0 } problems)
            {
                throw new CliException(string.Join(" ", problems)) { ExitCode = ExitCodes.Usage };
            }
            var cli = global.Output(parse);
            var benchOutput = new BenchOutput(cli.IsJson, cli.Say, cli.Table, cli.Document);
            var runner = new BenchRunner(settings, address => global.Target(parse, address), benchOutput, parse.GetValue(global.Timeout), "ehrchain " + string.Join(' ', parse.Tokens.Select(t => t.Value)));
            await runner.RunAsync(cancellationToken).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return command;
    }
}
