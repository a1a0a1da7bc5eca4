using System.CommandLine;
using EhrChain.Bench;
using EhrChain.Cli.Commands;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Node.Network;
using EhrChain.Storage;

namespace EhrChain.Cli;

/// <summary>
/// The <c>ehrchain</c> command tree, and the one place errors become a single line and an exit
/// code: whatever goes wrong, the user never sees a stack trace.
/// </summary>
public static class CliApp
{
    public static async Task<int> RunAsync(string[] args, TextWriter? stderr = null)
    {
        stderr ??= Console.Error;
        var global = new GlobalOptions();
        var root = new RootCommand("EhrChain: a permissioned blockchain for electronic health records.");
        global.AddTo(root);
        root.Subcommands.Add(KeysCommand.Create(global));
        root.Subcommands.Add(AliasCommand.Create(global));
        root.Subcommands.Add(GenesisCommand.Create(global));
        root.Subcommands.Add(NodeCommand.Create());
        root.Subcommands.Add(ClusterCommand.Create(global));
        root.Subcommands.Add(Commands.Tx.TxCommand.Create(global));
        root.Subcommands.Add(Commands.Query.QueryCommand.Create(global));
        root.Subcommands.Add(Commands.Record.RecordCommand.Create(global));
        root.Subcommands.Add(NodeInfoCommands.Status(global));
        root.Subcommands.Add(NodeInfoCommands.Health(global));
        root.Subcommands.Add(VerifyCommand.Create(global));
        root.Subcommands.Add(ValidatorsCommand.Create(global));
        root.Subcommands.Add(Demo.DemoCommand.Create(global));
        root.Subcommands.Add(BenchCommand.Create(global));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                stderr.WriteLine($"error: {error.Message}");
            }
            stderr.WriteLine("Run 'ehrchain --help' for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                // Ctrl-C cancels the command; a node (or a cluster of them) gets this long to shut down cleanly.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            });
        }
        catch (Exception e)
        {
            var (message, code) = Describe(e);
            stderr.WriteLine($"error: {message}");
            return code;
        }
    }

    private static (string Message, int ExitCode) Describe(Exception e) => e switch
    {
        CliException cli => (cli.Message, cli.ExitCode),
        NetworkSetupException { NodeUnavailable: true } setup => (setup.Message, ExitCodes.Unavailable),
        NetworkSetupException setup => (setup.Message, ExitCodes.Failure),
        BenchSetupException bench => (bench.Message, ExitCodes.Failure),
        KeyFileException or StorageException or FormatException => (e.Message, ExitCodes.Failure),
        OperationCanceledException => ("cancelled.", ExitCodes.Failure),
        IOException or UnauthorizedAccessException => (e.Message, ExitCodes.Failure),
        _ => ($"unexpected {e.GetType().Name}: {e.Message}", ExitCodes.Failure),
    };
}
