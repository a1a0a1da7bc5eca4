using System.Text.Json.Nodes;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;

namespace EhrChain.Node.Network;

/// <summary>
/// Where a network's files go and what they say: one directory holding genesis.json, keys/,
/// tls/ (the network CA and a certificate per node), a config file per node and data/.
/// `genesis new`, `cluster up`, `demo`, the bench and the tests share it. Joiners are laid out
/// like validators (keys, certificate, config with Node:Joining) but left out of the genesis:
/// they come in by vote.
/// </summary>
public sealed class NetworkLayout
{
    public NetworkLayout(string directory, int validators, string chainId, string adminId, int clientPort, int peerPort,
        IReadOnlyList<string> hosts, string listenHost, bool samePorts, int joiners = 0)
    {
        if (validators < 4 || (validators - 1) % 3 != 0)
        {
            throw new NetworkSetupException($"--validators {validators}: PBFT needs n = 3f + 1 with f >= 1 (4, 7, 10...).");
        }
        if (joiners is < 0 or > 96)
        {
            throw new NetworkSetupException($"--joiners {joiners}: between 0 and 96.");
        }
        if (hosts.Count != 0 && hosts.Count != validators + joiners)
        {
            throw new NetworkSetupException($"--hosts names {hosts.Count} hosts for {validators + joiners} nodes.");
        }
        if (clientPort is < 1 or > 65535 - 100 || peerPort is < 1 or > 65535 - 100)
        {
            throw new NetworkSetupException("--client-port and --peer-port must be between 1 and 65435.");
        }
        Directory = directory;
        Validators = validators;
        Joiners = joiners;
        ChainId = chainId;
        AdminId = adminId;
        ClientPort = clientPort;
        PeerPort = peerPort;
        Hosts = hosts;
        ListenHost = listenHost;
        SamePorts = samePorts;
    }

    public string Directory { get; }
    public int Validators { get; }
    public int Joiners { get; }
    public int Nodes => Validators + Joiners;
    public string ChainId { get; }
    public string AdminId { get; }
    public int ClientPort { get; }
    public int PeerPort { get; }
    public IReadOnlyList<string> Hosts { get; }
    public string ListenHost { get; }
    public bool SamePorts { get; }

    public string GenesisPath => Path.Combine(Directory, "genesis.json");
    public string AdminKeyPath => Path.Combine(Directory, "keys", $"{AdminId}.key.json");

    public static string ValidatorId(int index) => $"node-{index}";
    public string ValidatorKeyPath(int index) => Path.Combine(Directory, "keys", $"{ValidatorId(index)}.key.json");

    /// <summary>Each genesis validator's organisation is also an emergency trustee, with a key of its own (not the node's).</summary>
    public static string TrusteeId(int index) => $"{ValidatorId(index)}.emergency";
    public string TrusteeKeyPath(int index) => Path.Combine(Directory, "keys", $"{TrusteeId(index)}.key.json");
    public string ConfigPath(int index) => Path.Combine(Directory, $"{ValidatorId(index)}.json");
    public string DataPath(int index) => Path.Combine(Directory, "data", ValidatorId(index));
    public NetworkCertificates Certificates => new(Path.Combine(Directory, "tls"));
    public string CaPath => Certificates.CaPath;

    public string Host(int index) => Hosts.Count == 0 ? "127.0.0.1" : Hosts[index];
    private int Offset(int index) => SamePorts ? 0 : index;
    public string ClientAddress(int index) => $"{Host(index)}:{ClientPort + Offset(index)}";
    public string PeerAddress(int index) => $"{Host(index)}:{PeerPort + Offset(index)}";

    /// <summary>Generates every key and writes every file; returns the genesis.</summary>
    public GenesisFile Write()
    {
        System.IO.Directory.CreateDirectory(Path.Combine(Directory, "keys"));
        var validatorKeys = Enumerable.Range(0, Nodes).Select(i => KeyFile.Generate(ValidatorId(i), KeyRole.Validator)).ToList();
        var trusteeKeys = Enumerable.Range(0, Validators).Select(i => KeyFile.Generate(TrusteeId(i), KeyRole.Trustee)).ToList();
        KeyFile admin;
        GenesisFile genesis;
        try
        {
            admin = KeyFile.Generate(AdminId, KeyRole.Admin);
            genesis = new GenesisFile(
                ChainId,
                DateTimeOffset.UtcNow,
                validatorKeys.Take(Validators).Select((k, i) => new GenesisValidator(k.Id, PeerAddress(i), k.Signing.PublicKey, k.Encryption.PublicKey)).ToList(),
                new GenesisAdmin(admin.Id, "Network administrator", admin.Signing.PublicKey, admin.Encryption.PublicKey),
                GenesisEmergency.WithDefaults(trusteeKeys.Select(k => new GenesisTrustee(k.Id, k.Signing.PublicKey, k.Encryption.PublicKey)).ToList()));
        }
        catch (FormatException e)
        {
            throw new NetworkSetupException(e.Message);
        }

        genesis.Save(GenesisPath);
        admin.Save(AdminKeyPath);
        var certificates = Certificates;
        certificates.CreateCa(ChainId);
        for (var i = 0; i < Nodes; i++)
        {
            validatorKeys[i].Save(ValidatorKeyPath(i));
            if (i < Validators)
            {
                trusteeKeys[i].Save(TrusteeKeyPath(i));
            }
            certificates.Issue(ValidatorId(i), Host(i)).Dispose();
            File.WriteAllText(ConfigPath(i), NodeConfig(i).ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }
        return genesis;
    }

    // Paths in a node config are relative to the config file, so a network directory can be moved or mounted.
    private JsonObject NodeConfig(int index) => new()
    {
        ["Node"] = new JsonObject
        {
            ["Id"] = ValidatorId(index),
            ["KeyFile"] = Path.Combine("keys", $"{ValidatorId(index)}.key.json"),
            ["GenesisFile"] = "genesis.json",
            ["DataDirectory"] = Path.Combine("data", ValidatorId(index)),
            ["ClientListen"] = $"{ListenHost}:{ClientPort + Offset(index)}",
            ["PeerListen"] = $"{ListenHost}:{PeerPort + Offset(index)}",
            ["TlsCertificate"] = Path.Combine("tls", $"{ValidatorId(index)}.crt"),
            ["TlsKey"] = Path.Combine("tls", $"{ValidatorId(index)}.key"),
            ["TlsCa"] = Path.Combine("tls", "ca.crt"),
            ["Insecure"] = false,
            ["Joining"] = index >= Validators,
            // The node releases its organisation's shares for each emergency it sees opened.
            ["EmergencyKeyFile"] = index < Validators ? Path.Combine("keys", $"{TrusteeId(index)}.key.json") : "",
        },
    };
}
