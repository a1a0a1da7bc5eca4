using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Local;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain keys new</c>: creates a participant's or validator's key file. A participant gets an
/// opaque id (<c>p-</c> and 20 hex digits) and the human name stays a local alias; the file goes
/// to the keys directory outside the working tree unless <c>--out</c> says otherwise.
/// </summary>
internal static class KeysCommand
{
    public static Command Create(GlobalOptions global)
    {
        var alias = new Option<string?>("--alias") { Description = "Your local name for the participant (e.g. pat-ada); never sent to the chain." };
        var id = new Option<string?>("--id") { Description = "Use this exact id instead of a generated opaque one (it is then also the alias). Required for validators." };
        var role = new Option<KeyRole>("--role")
        {
            Description = "patient, doctor, laboratory, pharmacist, admin, auditor or validator.",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Enum.TryParse<KeyRole>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
                {
                    return parsed;
                }
                result.AddError($"'{text}' is not a role; use patient, doctor, laboratory, pharmacist, admin, auditor or validator.");
                return default;
            },
        };
        var output = new Option<FileInfo?>("--out") { Description = "Where to write the key file (default $EHRCHAIN_HOME/keys/ALIAS.key.json, $EHRCHAIN_HOME defaulting to ~/.ehrchain)." };
        var passphraseEnv = new Option<string?>("--passphrase-env") { Description = "Encrypt the private keys with the passphrase in this environment variable." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file or alias." };

        var create = new Command("new", "Create a key file: an Ed25519 signing key and an X25519 encryption key.") { alias, id, role, output, passphraseEnv, force };
        create.SetAction(parse =>
        {
            var keyRole = parse.GetValue(role);
            var name = parse.GetValue(alias) ?? parse.GetValue(id);
            if (name is null && parse.GetValue(output) is null)
            {
                throw new CliException("give --alias (your local name for the participant), --id, or --out.") { ExitCode = ExitCodes.Usage };
            }
            if (keyRole == KeyRole.Validator && parse.GetValue(id) is null)
            {
                throw new CliException("a validator's key needs --id: the node id the genesis file names.") { ExitCode = ExitCodes.Usage };
            }
            if (name is not null && !Core.Identifiers.IsValid(name))
            {
                throw new CliException($"'{name}' is not a valid alias or id: use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit.") { ExitCode = ExitCodes.Usage };
            }
            var home = LocalHome.Current();
            var path = parse.GetValue(output)?.FullName ?? home.KeyFilePath(name!);
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new CliException($"'{path}' already exists; pass --force to overwrite it.");
            }
            var passphrase = Passphrases.FromEnvironment(parse.GetValue(passphraseEnv));
            KeyFile keys;
            try
            {
                keys = KeyFile.Generate(parse.GetValue(id) ?? OpaqueIds.Participant(), keyRole);
            }
            catch (FormatException e)
            {
                throw new CliException(e.Message) { ExitCode = ExitCodes.Usage };
            }
            if (name is not null && name != keys.Id)
            {
                home.Aliases().Set(name, keys.Id, parse.GetValue(force));
            }
            keys.Save(path, passphrase);

            var cli = global.Output(parse);
            cli.Result(
                new JsonObject
                {
                    ["id"] = keys.Id,
                    ["alias"] = name,
                    ["role"] = keys.Role.ToString().ToLowerInvariant(),
                    ["file"] = path,
                    ["signingPublicKey"] = keys.Signing.PublicKey.ToBase64(),
                    ["encryptionPublicKey"] = keys.Encryption.PublicKey.ToBase64(),
                    ["encrypted"] = passphrase is not null,
                },
                text => text.Say($"Wrote {keys.Role.ToString().ToLowerInvariant()} key {(name is null || name == keys.Id ? $"'{keys.Id}'" : $"'{name}' (id {keys.Id})")} to {path}{(passphrase is null ? "" : " (private keys encrypted)")}."));
            return ExitCodes.Success;
        });

        return new Command("keys", "Manage key files.") { create };
    }
}
