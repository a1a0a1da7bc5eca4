using EhrChain.Cli.Commands;
using EhrChain.Cli.Output;
using EhrChain.Contracts.Client;
using EhrChain.Core.Genesis;
using EhrChain.Node.Api;

namespace EhrChain.Cli.Client;

/// <summary>
/// Where the CLI learns the network's emergency trustees: from a genesis file on this machine
/// whose hash is the node's genesis hash, never from a node's say-so (a node could name keys of
/// its own, and every new record key would be escrowed to it). The file is the one named by
/// EHRCHAIN_GENESIS, else the local cluster's .cluster/genesis.json.
/// </summary>
internal static class NetworkEscrow
{
    public const string Variable = "EHRCHAIN_GENESIS";

    public static string DefaultPath => Path.Combine(ClusterCommand.DefaultDirectory, "genesis.json");

    /// <summary>The trustees to split new keys among, or null when no matching genesis file is at hand or the network has none.</summary>
    /// <exception cref="CliException">A genesis file named by <paramref name="explicitPath"/> or EHRCHAIN_GENESIS is unreadable or of another network.</exception>
    public static EmergencyEscrow? For(NodeStatus status, string? explicitPath = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        var named = explicitPath ?? Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(named))
        {
            return File.Exists(DefaultPath) && Load(DefaultPath) is { } local && local.Hash.ToString() == status.GenesisHash
                ? EmergencyEscrow.FromGenesis(local)
                : null;
        }
        var genesis = Load(named);
        if (genesis.Hash.ToString() != status.GenesisHash)
        {
            throw new CliException($"The genesis file '{named}' is not the node's network (genesis {status.GenesisHash[..Math.Min(12, status.GenesisHash.Length)]}...).");
        }
        return EmergencyEscrow.FromGenesis(genesis);
    }

    private static GenesisFile Load(string path)
    {
        try
        {
            return GenesisFile.Load(path);
        }
        catch (FormatException e)
        {
            throw new CliException(e.Message);
        }
    }
}
