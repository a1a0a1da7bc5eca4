using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;

namespace EhrChain.Cli.Commands;

/// <summary><c>ehrchain keys new</c>: creates a participant's or validator's key file.</summary>
internal static class KeysCommand
{
    public static Command Create(GlobalOptions global)
    {
        var id = new Option<string>("--id") { Description = "The participant or validator id (letters, digits, '.', '_', '-').", Required = true };
        var role = new Option<KeyRole>("--role")
        {
            Description = "patient, doctor, laboratory, admin, auditor or validator.",
            Required = true,
            CustomParser = result =>
            {
                var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
                if (Enum.TryParse<KeyRole>(text, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !int.TryParse(text, out _))
                {
                    return parsed;
                }
                result.AddError($"'{text}' is not a role; use patient, doctor, laboratory, admin, auditor or validator.");
                return default;
            },
        };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the key file.", Required = true };
        var passphraseEnv = new Option<string?>("--passphrase-env") { Description = "Encrypt the private keys with the passphrase in this environment variable." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing file." };

        var create = new Command("new", "Create a key file: an Ed25519 signing key and an X25519 encryption key.") { id, role, output, passphraseEnv, force };
        create.SetAction(parse =>
        {
            var path = parse.GetRequiredValue(output).FullName;
            if (File.Exists(path) && !parse.GetValue(force))
            {
                throw new CliException($"'{path}' already exists; pass --force to overwrite it.");
            }
            var passphrase = Passphrases.FromEnvironment(parse.GetValue(passphraseEnv));
            KeyFile keys;
            try
            {
                keys = KeyFile.Generate(parse.GetRequiredValue(id), parse.GetValue(role));
            }
            catch (FormatException e)
            {
                throw new CliException(e.Message);
            }
            keys.Save(path, passphrase);

            var cli = global.Output(parse);
            cli.Result(
                new JsonObject
                {
                    ["id"] = keys.Id,
                    ["role"] = keys.Role.ToString().ToLowerInvariant(),
                    ["file"] = path,
                    ["signingPublicKey"] = keys.Signing.PublicKey.ToBase64(),
                    ["encryptionPublicKey"] = keys.Encryption.PublicKey.ToBase64(),
                    ["encrypted"] = passphrase is not null,
                },
                text => text.Say($"Wrote {keys.Role.ToString().ToLowerInvariant()} key '{keys.Id}' to {path}{(passphrase is null ? "" : " (private keys encrypted)")}."));
            return ExitCodes.Success;
        });

        return new Command("keys", "Manage key files.") { create };
    }
}
