using System.CommandLine;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;

namespace EhrChain.Cli.Commands;

/// <summary>Options every command accepts: which node to talk to and how to trust it, how long to wait, how to print.</summary>
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

    public Option<FileInfo?> Ca { get; } = new("--ca")
    {
        Description = $"The network CA certificate (PEM) the node's TLS certificate must chain to (default EHRCHAIN_CA, else {DefaultCa} when it exists, else the system's roots).",
        Recursive = true,
    };

    public Option<bool> Insecure { get; } = new("--insecure")
    {
        Description = "Plaintext HTTP/2 without TLS, for a node run with Node:Insecure=true (local development only).",
        Recursive = true,
    };

    /// <summary>The CA of the local cluster `ehrchain cluster up` lays out in the working directory.</summary>
    public static string DefaultCa => Path.Combine(ClusterCommand.DefaultDirectory, "tls", "ca.crt");

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
        root.Options.Add(Ca);
        root.Options.Add(Insecure);
        root.Options.Add(Timeout);
        root.Options.Add(OutputFormat);
    }

    /// <summary>The node given by --node, with how to trust it.</summary>
    public NodeTarget Target(ParseResult parse) => Target(parse, parse.GetRequiredValue(Node));

    /// <summary><paramref name="address"/> with the trust --ca / --insecure (or their defaults) give.</summary>
    public NodeTarget Target(ParseResult parse, string address)
    {
        var ca = parse.GetValue(Ca);
        if (parse.GetValue(Insecure))
        {
            if (ca is not null)
            {
                throw new CliException("--insecure and --ca exclude each other: plaintext has no certificate to check.");
            }
            return NodeTarget.Plaintext(address);
        }
        return NodeTarget.Tls(address, ca?.FullName ?? DefaultCaFile());
    }

    private static string? DefaultCaFile()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("EHRCHAIN_CA");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }
        return File.Exists(DefaultCa) ? Path.GetFullPath(DefaultCa) : null;
    }

    public CliOutput Output(ParseResult parse) => CliOutput.Console(parse.GetValue(OutputFormat));
}
