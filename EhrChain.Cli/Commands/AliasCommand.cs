using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;

namespace EhrChain.Cli.Commands;

/// <summary><c>ehrchain alias set|list</c>: the local names this person gives to participant and record ids.</summary>
internal static class AliasCommand
{
    public static Command Create(GlobalOptions global)
    {
        var name = new Argument<string>("alias") { Description = "Your name for it, e.g. dr-alice." };
        var id = new Argument<string>("id") { Description = "The participant or record id it stands for." };
        var force = new Option<bool>("--force") { Description = "Point an existing alias at another id." };
        var set = new Command("set", "Name a participant or record id locally (stored in $EHRCHAIN_HOME/aliases.json).") { name, id, force };
        set.SetAction(parse =>
        {
            var target = parse.GetRequiredValue(id);
            if (!Core.Identifiers.IsValid(target))
            {
                throw new CliException($"'{target}' is not a valid id.") { ExitCode = ExitCodes.Usage };
            }
            LocalHome.Current().Aliases().Set(parse.GetRequiredValue(name), target, parse.GetValue(force));
            global.Output(parse).Result(new JsonObject { ["alias"] = parse.GetRequiredValue(name), ["id"] = target }, text => text.Say($"{parse.GetRequiredValue(name)} = {target}"));
            return ExitCodes.Success;
        });

        var list = new Command("list", "Every local alias and the id it stands for.");
        list.SetAction(parse =>
        {
            global.Output(parse).Table(["alias", "id"], LocalHome.Current().Aliases().Entries.Select(e => new[] { e.Key, e.Value }));
            return ExitCodes.Success;
        });
        return new Command("alias", "Local names for opaque participant and record ids.") { set, list };
    }
}
