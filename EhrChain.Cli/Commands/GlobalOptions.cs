using System.CommandLine;
using EhrChain.Cli.Output;

namespace EhrChain.Cli.Commands;

/// <summary>Options every command accepts: which node to talk to, how long to wait, how to print.</summary>
internal sealed class GlobalOptions
{
    /// <summary>The first node of the cluster that `ehrchain cluster up` and `genesis new` lay out.</summary>
    public const string DefaultNode = "127.0.0.1:7000";

    public Option<string> Node { get; } = new("--node")
    {
        Description = $"The node's client address, host:port (default {DefaultNode}, or EHRCHAIN_NODE).",
        Recursive = true,
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("EHRCHAIN_NODE") ?? DefaultNode,
    };

    public Option<TimeSpan> Timeout { get; } = new("--timeout")
    {
        Description = "How long to wait for the node, e.g. 30s, 2m (default 30s).",
        Recursive = true,
        DefaultValueFactory = _ => TimeSpan.FromSeconds(30),
        CustomParser = result => Durations.Parse(result),
    };

    public Option<OutputFormat> OutputFormat { get; } = new("--output")
    {
        Description = "text (default) or json.",
        Recursive = true,
        DefaultValueFactory = _ => EhrChain.Cli.Output.OutputFormat.Text,
    };

    public void AddTo(RootCommand root)
    {
        root.Options.Add(Node);
        root.Options.Add(Timeout);
        root.Options.Add(OutputFormat);
    }

    public CliOutput Output(ParseResult parse) => CliOutput.Console(parse.GetValue(OutputFormat));
}
