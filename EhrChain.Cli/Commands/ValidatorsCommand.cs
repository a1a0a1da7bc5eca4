using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Commands.Query;
using EhrChain.Cli.Commands.Tx;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Google.Protobuf;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain validators add|remove|list</c>: a validator's operator votes, with the node's own
/// key file (<c>--as</c>), to bring a validator in or take one out; the change is made once a
/// quorum of the current validators voted for the same change, and takes effect 256 blocks later
/// (docs/contracts.md, "Validator changes"). <c>list</c> shows the validators a node follows.
/// </summary>
internal static class ValidatorsCommand
{
    public static Command Create(GlobalOptions global)
    {
        var session = new SessionCommands(global);
        return new Command("validators", "Vote validators in or out, and list them.") { Add(session), Remove(session), List(global) };
    }

    private static Option<bool> WaitOption() => new("--wait") { Description = "Wait until the vote is in a block; a refusal is then an error." };

    private static Command Add(SessionCommands session)
    {
        var keys = new Option<string>("--keys") { Description = "The new validator's key file (only its public keys are read), e.g. keys/node-4.key.json from `genesis new --joiners`.", Required = true };
        var address = new Option<string>("--address") { Description = "host:port of the new validator's peer listener.", Required = true };
        var wait = WaitOption();
        var command = new Command("add", "Vote to add a validator (validators' operators only, --as the node's key file).") { keys, address, wait };
        command.SetAction((parse, ct) =>
        {
            var identity = PublicIdentity.Load(KeyFileLocator.Find(parse.GetRequiredValue(keys), LocalHome.Current()));
            if (identity.Role != KeyRole.Validator)
            {
                throw new CliException($"'{identity.Id}' has a {identity.Role} key file; a validator has a validator key file.") { ExitCode = ExitCodes.Usage };
            }
            var change = new ValidatorChange
            {
                Add =
                {
                    new ValidatorInfo
                    {
                        Id = identity.Id,
                        Address = parse.GetRequiredValue(address),
                        SigningPublicKey = ByteString.CopyFrom(identity.SigningKey.Bytes),
                        EncryptionPublicKey = ByteString.CopyFrom(identity.EncryptionKey.Bytes),
                    },
                },
            };
            return VoteAsync(session, parse, change, parse.GetValue(wait), $"Vote to add validator {identity.Id}", ct);
        });
        session.AddTo(command);
        return command;
    }

    private static Command Remove(SessionCommands session)
    {
        var id = new Option<string[]>("--id") { Description = "The validator to remove, repeatable (several leave in one change).", Required = true, AllowMultipleArgumentsPerToken = true };
        var wait = WaitOption();
        var command = new Command("remove", "Vote to remove validators (validators' operators only, --as the node's key file).") { id, wait };
        command.SetAction((parse, ct) =>
        {
            var ids = parse.GetRequiredValue(id);
            var change = new ValidatorChange { Remove = { ids } };
            return VoteAsync(session, parse, change, parse.GetValue(wait), $"Vote to remove {string.Join(", ", ids)}", ct);
        });
        session.AddTo(command);
        return command;
    }

    private static Task<int> VoteAsync(SessionCommands session, ParseResult parse, ValidatorChange change, bool wait, string what, CancellationToken ct) =>
        session.RunAsync(parse, async (s, cli) =>
        {
            var code = await Submission.SubmitAsync(s, cli, s.Client.VoteValidatorChange(change), wait, what, ct).ConfigureAwait(false);
            if (wait)
            {
                // The vote that completes the quorum schedules the change: the node says so at once.
                var status = await s.Ledger.StatusAsync(new StatusRequest(), cancellationToken: ct).ConfigureAwait(false);
                cli.Say(status.EpochEnd == 0
                    ? "  no change is scheduled yet: more validators must vote for the same change"
                    : $"  scheduled: from height {status.EpochEnd + 1} the validators are {string.Join(", ", status.NextValidators)}");
            }
            return code;
        }, ct);

    private static Command List(GlobalOptions global)
    {
        var command = new Command("list", "The validators a node follows: this epoch's, and the next epoch's when a change is scheduled.");
        command.SetAction((parse, ct) => QueryCommand.Unsigned(global, parse, async (ledger, cli) =>
        {
            var status = await ledger.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(parse.GetValue(global.Timeout)), cancellationToken: ct).ConfigureAwait(false);
            cli.Result(
                new JsonObject
                {
                    ["epoch"] = status.Epoch,
                    ["validators"] = new JsonArray(status.Validators.Select(v => (JsonNode)v).ToArray()),
                    ["epochEnd"] = status.EpochEnd == 0 ? null : status.EpochEnd,
                    ["nextValidators"] = new JsonArray(status.NextValidators.Select(v => (JsonNode)v).ToArray()),
                },
                text =>
                {
                    text.Say($"epoch {status.Epoch}: {string.Join(", ", status.Validators)} (quorum {Core.Chain.MembershipRules.QuorumOf(status.Validators.Count)} of {status.Validators.Count})");
                    text.Say(status.EpochEnd == 0
                        ? "no change scheduled"
                        : $"from height {status.EpochEnd + 1}: {string.Join(", ", status.NextValidators)}");
                });
            return ExitCodes.Success;
        }));
        return command;
    }
}
