using System.CommandLine;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Node.Network;

namespace EhrChain.Cli.Commands;

/// <summary>
/// <c>ehrchain genesis new</c>: lays out a whole network in one directory — genesis.json, a key
/// file per validator, the first Admin's key file, the network CA and a TLS certificate per node,
/// and a config file per node. <c>ehrchain genesis cert</c> issues a fresh certificate for one node
/// (rotation: the running node picks up the new files on its next handshake).
/// </summary>
internal static class GenesisCommand
{
    public static Command Create(GlobalOptions global)
    {
        var validators = new Option<int>("--validators") { Description = "How many validators (3f + 1: 4, 7, 10...).", DefaultValueFactory = _ => 4 };
        var output = new Option<DirectoryInfo>("--out") { Description = "The directory to write into.", Required = true };
        var chainId = new Option<string>("--chain-id") { Description = "The chain id (default ehrchain-local).", DefaultValueFactory = _ => "ehrchain-local" };
        var adminId = new Option<string>("--admin-id") { Description = "The first Admin's id (default admin).", DefaultValueFactory = _ => "admin" };
        var clientPort = new Option<int>("--client-port") { Description = "Client port of the first node; node i listens on this + i (default 7000).", DefaultValueFactory = _ => 7000 };
        var peerPort = new Option<int>("--peer-port") { Description = "Peer port of the first node; node i listens on this + i (default 7100).", DefaultValueFactory = _ => 7100 };
        var hosts = new Option<string[]>("--hosts")
        {
            Description = "The host each validator is reached at, in order (default 127.0.0.1 for all); e.g. node-0 node-1 node-2 node-3 in docker.",
            AllowMultipleArgumentsPerToken = true,
        };
        var listenHost = new Option<string>("--listen-host") { Description = "The address nodes bind to (default 127.0.0.1; 0.0.0.0 in containers).", DefaultValueFactory = _ => "127.0.0.1" };
        var samePorts = new Option<bool>("--same-ports") { Description = "Every node uses the first ports (one node per host, as in docker)." };
        var force = new Option<bool>("--force") { Description = "Overwrite an existing genesis in the directory." };
        var joiners = new Option<int>("--joiners")
        {
            Description = "Nodes laid out beside the validators (keys, certificate, config with Node:Joining) but not in the genesis: they join once the validators vote them in (`ehrchain validators add`).",
        };

        var create = new Command("new", "Create a network: genesis.json, validator and Admin key files, and a config file per node.")
        {
            validators, output, chainId, adminId, clientPort, peerPort, hosts, listenHost, samePorts, joiners, force,
        };
        create.SetAction(parse =>
        {
            var layout = new NetworkLayout(
                parse.GetRequiredValue(output).FullName,
                parse.GetValue(validators),
                parse.GetRequiredValue(chainId),
                parse.GetRequiredValue(adminId),
                parse.GetValue(clientPort),
                parse.GetValue(peerPort),
                parse.GetValue(hosts) ?? [],
                parse.GetRequiredValue(listenHost),
                parse.GetValue(samePorts),
                parse.GetValue(joiners));
            if (File.Exists(layout.GenesisPath) && !parse.GetValue(force))
            {
                throw new CliException($"'{layout.GenesisPath}' already exists; pass --force to replace the network.");
            }
            var genesis = layout.Write();

            var cli = global.Output(parse);
            cli.Result(
                new JsonObject
                {
                    ["chainId"] = genesis.ChainId,
                    ["genesisHash"] = genesis.Hash.ToString(),
                    ["genesis"] = layout.GenesisPath,
                    ["admin"] = layout.AdminKeyPath,
                    ["ca"] = layout.CaPath,
                    ["nodes"] = new JsonArray(Enumerable.Range(0, layout.Nodes).Select(i => (JsonNode)new JsonObject
                    {
                        ["id"] = NetworkLayout.ValidatorId(i),
                        ["joining"] = i >= layout.Validators,
                        ["config"] = layout.ConfigPath(i),
                        ["client"] = layout.ClientAddress(i),
                        ["peer"] = layout.PeerAddress(i),
                    }).ToArray()),
                },
                text =>
                {
                    text.Say($"Created chain '{genesis.ChainId}' (genesis {genesis.Hash.ToShortString()}) in {layout.Directory}:");
                    text.Say($"  genesis      {layout.GenesisPath}");
                    text.Say($"  admin key    {layout.AdminKeyPath}");
                    text.Say($"  network CA   {layout.CaPath}  (clients: --ca {layout.CaPath})");
                    for (var i = 0; i < layout.Nodes; i++)
                    {
                        text.Say($"  {NetworkLayout.ValidatorId(i),-12} {layout.ConfigPath(i)}  client {layout.ClientAddress(i)}  peer {layout.PeerAddress(i)}{(i >= layout.Validators ? "  (joins by vote)" : "")}");
                    }
                });
            return ExitCodes.Success;
        });

        return new Command("genesis", "Create a network's genesis and TLS certificates.") { create, Cert(global) };
    }

    private static Command Cert(GlobalOptions global)
    {
        var network = new Option<DirectoryInfo>("--network") { Description = "The network directory `genesis new` wrote (holds tls/ca.key).", Required = true };
        var node = new Option<string>("--node-id") { Description = "The validator whose certificate to issue, e.g. node-1.", Required = true };
        var host = new Option<string?>("--host") { Description = "The host name peers reach it by (default: the host of its address in genesis.json)." };
        var caKey = new Option<FileInfo?>("--ca-key") { Description = "The CA's private key, when it is kept outside the network directory (default DIR/tls/ca.key)." };
        var cert = new Command("cert", "Issue a fresh TLS certificate for one node from the network CA (rotation; the node reloads it without a restart).")
        {
            network, node, host, caKey,
        };
        cert.SetAction(parse =>
        {
            var directory = parse.GetRequiredValue(network).FullName;
            var id = parse.GetRequiredValue(node);
            var genesisPath = Path.Combine(directory, "genesis.json");
            if (!File.Exists(genesisPath))
            {
                throw new CliException($"--network: no genesis.json in '{directory}'.");
            }
            var validator = EhrChain.Core.Genesis.GenesisFile.Load(genesisPath).FindValidator(id)
                ?? throw new CliException($"--node-id: '{id}' is not a validator in '{genesisPath}'.");
            var name = parse.GetValue(host) ?? HostOf(validator.Address);
            var certificates = new NetworkCertificates(Path.Combine(directory, "tls"), parse.GetValue(caKey)?.FullName);
            using var issued = certificates.Issue(id, name);

            global.Output(parse).Result(
                new JsonObject
                {
                    ["node"] = id,
                    ["certificate"] = certificates.CertificatePath(id),
                    ["key"] = certificates.KeyPath(id),
                    ["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(issued.RawData)),
                    ["notAfter"] = issued.NotAfter.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
                },
                text =>
                {
                    text.Say($"Issued a new certificate for {id} (valid until {issued.NotAfter.ToUniversalTime():yyyy-MM-dd}):");
                    text.Say($"  {certificates.CertificatePath(id)}");
                    text.Say($"  {certificates.KeyPath(id)}");
                    text.Say("A running node loads it on its next TLS handshake; copy both files to the node if it runs elsewhere.");
                });
            return ExitCodes.Success;
        });
        return cert;
    }

    private static string HostOf(string address)
    {
        var colon = address.LastIndexOf(':');
        return (colon > 0 ? address[..colon] : address).Trim('[', ']');
    }
}
