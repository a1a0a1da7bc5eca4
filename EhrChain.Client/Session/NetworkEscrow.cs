using EhrChain.Core.Genesis;
using EhrChain.Node.Api;

namespace EhrChain.Client.Session;

/// <summary>
/// Where a client learns the network's emergency trustees: from a genesis file on this machine
/// whose hash is the node's genesis hash, never from a node's say-so (a node could name keys of
/// its own, and every new record key would be escrowed to it). The file is the one named by
/// EHRCHAIN_GENESIS, else the local cluster's .cluster/genesis.json.
/// </summary>
public static class NetworkEscrow
{
    public const string Variable = "EHRCHAIN_GENESIS";

    /// <summary>The network directory `ehrchain cluster up` lays out when given none.</summary>
    public const string LocalClusterDirectory = ".cluster";

    public static string DefaultPath => Path.Combine(LocalClusterDirectory, "genesis.json");

    /// <summary>The trustees to split new keys among, or null when no matching genesis file is at hand or the network has none.</summary>
    /// <exception cref="FormatException">A genesis file named by <paramref name="explicitPath"/> or EHRCHAIN_GENESIS is unreadable or of another network.</exception>
    public static EmergencyEscrow? For(NodeStatus status, string? explicitPath = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        var named = explicitPath ?? Environment.GetEnvironmentVariable(Variable);
        if (string.IsNullOrEmpty(named))
        {
            return File.Exists(DefaultPath) && GenesisFile.Load(DefaultPath) is { } local && local.Hash.ToString() == status.GenesisHash
                ? EmergencyEscrow.FromGenesis(local)
                : null;
        }
        var genesis = GenesisFile.Load(named);
        if (genesis.Hash.ToString() != status.GenesisHash)
        {
            throw new FormatException($"The genesis file '{named}' is not the node's network (genesis {status.GenesisHash[..Math.Min(12, status.GenesisHash.Length)]}...).");
        }
        return EmergencyEscrow.FromGenesis(genesis);
    }
}
