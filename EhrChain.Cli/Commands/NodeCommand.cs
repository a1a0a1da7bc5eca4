using System.CommandLine;
using EhrChain.Cli.Output;
using EhrChain.Node.Configuration;
using EhrChain.Node.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace EhrChain.Cli.Commands;

/// <summary><c>ehrchain node run --config FILE</c>: one node in the foreground until Ctrl-C or SIGTERM.</summary>
internal static class NodeCommand
{
    public static Command Create()
    {
        var config = new Option<FileInfo>("--config") { Description = "The node's config file (written by `ehrchain genesis new`).", Required = true };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a setting, e.g. --set Consensus:BatchMaxCount=1000 (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };
        var run = new Command("run", "Run one node in the foreground; stop it with Ctrl-C.") { config, set };
        run.SetAction(async (parse, cancellationToken) =>
        {
            var file = parse.GetRequiredValue(config);
            if (!file.Exists)
            {
                throw new CliException($"--config: '{file.FullName}' does not exist.");
            }
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(file.FullName, optional: false)
                .AddEnvironmentVariables("EHRCHAIN_")
                .AddInMemoryCollection(Overrides(parse.GetValue(set) ?? []))
                .AddInMemoryCollection([new($"{NodeOptions.SectionName}:{nameof(NodeOptions.BaseDirectory)}", file.DirectoryName)])
                .Build();
            Microsoft.AspNetCore.Builder.WebApplication app;
            try
            {
                app = NodeHost.Build(configuration);
            }
            catch (NodeConfigurationException e)
            {
                throw new CliException($"cannot start the node: {e.Message}");
            }
            await using (app.ConfigureAwait(false))
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
                // Returns once Ctrl-C or SIGTERM has stopped the host: consensus, peers, then the store.
                await app.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
            }
            return ExitCodes.Success;
        });
        return new Command("node", "Run a validator node.") { run };
    }

    private static IEnumerable<KeyValuePair<string, string?>> Overrides(IEnumerable<string> settings)
    {
        foreach (var setting in settings)
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                throw new CliException($"--set '{setting}': use Section:Name=value.");
            }
            yield return new(setting[..equals], setting[(equals + 1)..]);
        }
    }
}
