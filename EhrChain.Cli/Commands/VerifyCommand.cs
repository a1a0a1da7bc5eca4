using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain verify --data DIR</c>: checks a node's stored chain offline — block 0 against the
/// genesis file, then every block's hash, link, tx root, results root and commit certificate —
/// and names the first bad height.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create(GlobalOptions global)
    {
        var data = new Option<DirectoryInfo>("--data") { Description = "A node's data directory.", Required = true };
        var genesisOption = new Option<FileInfo?>("--genesis") { Description = "The network's genesis.json (default: found in a parent of --data)." };
        var command = new Command("verify", "Check a stored chain offline: hashes, links, tx roots and commit certificates.") { data, genesisOption };
        command.SetAction((parse, ct) =>
        {
            var directory = parse.GetRequiredValue(data).FullName;
            var genesisPath = parse.GetValue(genesisOption)?.FullName ?? FindGenesis(directory)
                ?? throw new CliException($"No genesis.json found above '{directory}'; pass --genesis.");
            var genesis = GenesisFile.Load(genesisPath);
            var validators = ValidatorSet.FromGenesis(genesis);
            var genesisHash = GenesisBlock.Build(genesis).Hash;

            using var store = RocksChainStore.OpenReadOnly(directory);
            var result = ChainVerifier.Verify(store, block => Check(block, validators, genesisHash), ct);

            var cli = global.Output(parse);
            cli.Result(
                new JsonObject { ["valid"] = result.IsValid, ["blocksChecked"] = result.BlocksChecked, ["firstBadHeight"] = result.FirstBadHeight, ["reason"] = result.Reason },
                text => text.Say(result.IsValid
                    ? $"Chain valid: {result.BlocksChecked} blocks (0..{result.BlocksChecked - 1}) with hashes, links, roots and commit certificates checked."
                    : $"Chain INVALID at height {result.FirstBadHeight}: {result.Reason}."));
            return Task.FromResult(result.IsValid ? ExitCodes.Success : ExitCodes.ChainInvalid);
        });
        return command;
    }

    private static string? Check(Core.Wire.Block block, ValidatorSet validators, Core.Crypto.Hash genesisHash)
    {
        if (block.Header.Height == 0)
        {
            return BlockHashing.HeaderHash(block.Header) == genesisHash ? null : "block 0 is not this genesis file's";
        }
        if (block.Certificate is null)
        {
            return "the block has no commit certificate";
        }
        return CommitCertificates.Verify(block.Certificate, validators, block.Header.Height, block.Header.TimeUnixMs, block.Transactions, out var reason)
            ? null
            : $"bad commit certificate: {reason}";
    }

    private static string? FindGenesis(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "genesis.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
