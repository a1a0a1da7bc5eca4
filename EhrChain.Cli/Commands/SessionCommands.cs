using System.CommandLine;
using EhrChain.Cli.Client;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using Grpc.Core;

namespace EhrChain.Cli.Commands;

/// <summary>What every command that acts as a participant shares: --as, its passphrase, and turning node errors into one line.</summary>
internal sealed class SessionCommands(GlobalOptions global)
{
    public Option<string> As { get; } = new("--as")
    {
        Description = "Who acts (signs) or reads: a key file path, or an alias whose key file is in $EHRCHAIN_HOME/keys.",
        Required = true,
    };

    public Option<string?> PassphraseEnv { get; } = new("--passphrase-env") { Description = "The environment variable holding the --as key file's passphrase." };

    public GlobalOptions Global => global;

    public void AddTo(Command command)
    {
        command.Options.Add(As);
        command.Options.Add(PassphraseEnv);
    }

    /// <summary>Opens a session as the --as participant and runs <paramref name="action"/>; node errors become one line and an exit code.</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<LedgerSession, CliOutput, Task<int>> action, CancellationToken cancellationToken)
    {
        var keys = KeyFile.Load(KeyFileLocator.Find(parse.GetRequiredValue(As), LocalHome.Current()), Passphrases.FromEnvironment(parse.GetValue(PassphraseEnv)));
        var node = global.Target(parse);
        try
        {
            using var session = await LedgerSession.OpenAsync(node, keys, parse.GetValue(global.Timeout), token: null, cancellationToken).ConfigureAwait(false);
            return await action(session, global.Output(parse)).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            throw CliRpcErrors.Describe(e, node.Address);
        }
    }
}
