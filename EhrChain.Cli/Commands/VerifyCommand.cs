using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Contracts.Chain;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain verify --data DIR</c>: checks a node's stored chain offline — block 0 against the
/// genesis file, then every block's hash, link, tx root, results root and commit certificate —
/// and names the first bad height. The validators that had to certify each height are replayed
/// from the chain's own votes (<see cref="EpochReplay"/>), starting from the genesis file's,
/// and the epochs found are printed and compared with what the store's state records.
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
            var genesisHash = GenesisBlock.Build(genesis).Hash;

            using var store = RocksChainStore.OpenReadOnly(directory);
            var epochs = store.BaseHeight > 0 ? EpochReplay.FromRecorded(genesis, store) : new EpochReplay(genesis);
            var result = ChainVerifier.Verify(store, block => Check(block, epochs, genesisHash), ct);
            if (result.IsValid && epochs.CompareWithState(store) is { } mismatch)
            {
                result = new ChainVerification(result.BlocksChecked, store.Head?.Height ?? 0, mismatch);
            }

            var cli = global.Output(parse);
            cli.Result(
                new JsonObject
                {
                    ["valid"] = result.IsValid,
                    ["blocksChecked"] = result.BlocksChecked,
                    ["firstBadHeight"] = result.FirstBadHeight,
                    ["reason"] = result.Reason,
                    ["baseHeight"] = store.BaseHeight,
                    ["epochs"] = new JsonArray(epochs.Found.Select(e => (JsonNode)new JsonObject
                    {
                        ["epoch"] = e.Epoch,
                        ["firstHeight"] = e.FirstHeight,
                        ["validators"] = new JsonArray(e.Validators.Select(v => (JsonNode)v).ToArray()),
                    }).ToArray()),
                },
                text =>
                {
                    text.Say(result.IsValid
                        ? $"Chain valid: {result.BlocksChecked} blocks ({store.BaseHeight}..{store.BaseHeight + result.BlocksChecked - 1}) with hashes, links, roots and commit certificates checked."
                            + (store.BaseHeight > 0 ? $" The store starts at a state-sync snapshot at height {store.BaseHeight}: the blocks below it are not stored, and its state (with the epochs it records) is taken as certified." : "")
                        : $"Chain INVALID at height {result.FirstBadHeight}: {result.Reason}.");
                    foreach (var epoch in epochs.Found)
                    {
                        text.Say($"  epoch {epoch.Epoch} from height {epoch.FirstHeight}: {string.Join(", ", epoch.Validators)}");
                    }
                });
            return Task.FromResult(result.IsValid ? ExitCodes.Success : ExitCodes.ChainInvalid);
        });
        return command;
    }

    private static string? Check(Core.Wire.Block block, EpochReplay epochs, Core.Crypto.Hash genesisHash)
    {
        if (block.Header.Height == 0)
        {
            return BlockHashing.HeaderHash(block.Header) == genesisHash ? null : "block 0 is not this genesis file's";
        }
        if (block.Certificate is null)
        {
            return "the block has no commit certificate";
        }
        if (!CommitCertificates.Verify(block.Certificate, epochs.For(block.Header.Height), block.Header.Height, block.Header.TimeUnixMs, block.Transactions, out var reason))
        {
            return $"bad commit certificate (epoch {epochs.For(block.Header.Height).Epoch}): {reason}";
        }
        return epochs.Apply(block);
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
