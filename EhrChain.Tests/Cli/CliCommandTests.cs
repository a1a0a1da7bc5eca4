using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Rocks;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;
using Google.Protobuf;
using RocksDbSharp;

namespace EhrChain.Tests.Cli;

[NonParallelizable]
public sealed class CliCommandTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void CreateDirectory()
    {
        _directory = new TempDirectory();
        // Nothing a test runs may write into the real ~/.ehrchain.
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", _directory.Combine("home"));
    }

    [TearDown]
    public void RemoveDirectory()
    {
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", null);
        _directory.Dispose();
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public async Task Keys_new_writes_a_key_file_that_loads_with_its_passphrase()
    {
        var path = _directory.Combine("dr.key.json");
        Environment.SetEnvironmentVariable("EHRCHAIN_TEST_PASSPHRASE", "s3cret");

        var (code, output, _) = await CliRun.RunAsync("keys", "new", "--id", "dr-x", "--role", "doctor", "--out", path, "--passphrase-env", "EHRCHAIN_TEST_PASSPHRASE", "--output", "json");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Zero);
            Assert.That(JsonNode.Parse(output)!["encrypted"]!.GetValue<bool>(), Is.True);
            Assert.That(KeyFile.Load(path, "s3cret").Role, Is.EqualTo(KeyRole.Doctor));
        }
    }

    [TestCase("keys", "new", "--id", "dr x", "--role", "doctor", "--out", "x.json")]
    [TestCase("keys", "new", "--id", "dr", "--role", "emperor", "--out", "x.json")]
    [TestCase("keys", "new", "--role", "doctor")]
    [TestCase("keys", "new", "--alias", "bad/alias", "--role", "doctor")]
    [TestCase("tx", "participant", "update", "--id", "pat-ada", "--as", "missing.key.json")]
    [TestCase("genesis", "new", "--out", "net", "--validators", "5")]
    [TestCase("tx", "record", "create", "--id", "r", "--as", "missing.key.json")]
    [TestCase("verify", "--data", "no-such-dir")]
    [TestCase("no-such-command")]
    public async Task Bad_input_is_one_line_on_stderr_and_a_non_zero_exit(params string[] args)
    {
        var (code, output, error) = await CliRun.RunAsync([.. args.Select(a => a.EndsWith(".json", StringComparison.Ordinal) || a is "net" or "no-such-dir" ? _directory.Combine(a) : a)]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(Lines(error)[0], Does.StartWith("error: "));
            Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(output, Is.Empty);
        }
    }

    [Test]
    public async Task Genesis_new_refuses_to_overwrite_a_network()
    {
        var net = _directory.Combine("net");
        var first = await CliRun.RunAsync("genesis", "new", "--out", net);

        var second = await CliRun.RunAsync("genesis", "new", "--out", net);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.ExitCode, Is.Zero);
            Assert.That(GenesisFile.Load(Path.Combine(net, "genesis.json")).Validators, Has.Count.EqualTo(4));
            Assert.That(second.ExitCode, Is.EqualTo(ExitCodes.Failure));
            Assert.That(second.Error, Does.Contain("already exists"));
        }
    }

    [Test]
    public async Task A_node_with_a_bad_setting_stops_with_one_line_naming_it()
    {
        var net = _directory.Combine("net");
        await CliRun.RunAsync("genesis", "new", "--out", net);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(net, "node-0.json")))!;
        config["Node"]!["KeyFile"] = "keys/node-1.key.json";
        File.WriteAllText(Path.Combine(net, "node-0.json"), config.ToJsonString());

        var (code, _, error) = await CliRun.RunAsync("node", "run", "--config", Path.Combine(net, "node-0.json"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(Lines(error), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain("Node:KeyFile"));
        }
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Genesis_new_issues_a_network_CA_and_an_owner_only_certificate_per_node_naming_its_validator()
    {
        var net = _directory.Combine("net");

        var (code, _, error) = await CliRun.RunAsync("genesis", "new", "--out", net, "--hosts", "node-0", "node-1", "node-2", "node-3", "--same-ports");

        var tls = Path.Combine(net, "tls");
        var certificate = X509CertificateLoader.LoadCertificateFromFile(Path.Combine(tls, "node-2.crt"));
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        var usages = certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(net, "node-2.json")))!["Node"]!;
        var trust = EhrChain.Node.Tls.NetworkTrust.Load(Path.Combine(tls, "ca.crt"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Zero, error);
            Assert.That(certificate.GetNameInfo(X509NameType.SimpleName, forIssuer: false), Is.EqualTo("node-2"));
            Assert.That(EhrChain.Node.Tls.ValidatorCertificate.IdOf(certificate), Is.EqualTo("node-2"));
            Assert.That(names.EnumerateDnsNames(), Is.EquivalentTo(new[] { "localhost", "node-2" }));
            Assert.That(names.EnumerateIPAddresses().Select(a => a.ToString()), Is.EquivalentTo(new[] { "127.0.0.1" }));
            Assert.That(usages, Is.EquivalentTo(new[] { "1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2" }));
            Assert.That(trust.CheckValidator(certificate, "node-2", EhrChain.Node.Tls.NetworkTrust.ClientAuth), Is.Null);
            Assert.That(File.GetUnixFileMode(Path.Combine(tls, "ca.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(Path.Combine(tls, "node-2.key")), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(config["TlsCertificate"]!.GetValue<string>(), Is.EqualTo(Path.Combine("tls", "node-2.crt")));
            Assert.That(config["TlsKey"]!.GetValue<string>(), Is.EqualTo(Path.Combine("tls", "node-2.key")));
            Assert.That(config["TlsCa"]!.GetValue<string>(), Is.EqualTo(Path.Combine("tls", "ca.crt")));
            Assert.That(config["Insecure"]!.GetValue<bool>(), Is.False);
        }
    }

    [Test]
    public async Task Genesis_cert_issues_a_new_certificate_for_one_node_from_the_same_CA()
    {
        var net = _directory.Combine("net");
        await CliRun.RunAsync("genesis", "new", "--out", net);
        var path = Path.Combine(net, "tls", "node-1.crt");
        var before = X509CertificateLoader.LoadCertificateFromFile(path);

        var (code, output, error) = await CliRun.RunAsync("genesis", "cert", "--network", net, "--node-id", "node-1", "--output", "json");
        var unknown = await CliRun.RunAsync("genesis", "cert", "--network", net, "--node-id", "node-9");

        var after = X509CertificateLoader.LoadCertificateFromFile(path);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Zero, error);
            Assert.That(after.Thumbprint, Is.Not.EqualTo(before.Thumbprint));
            Assert.That(JsonNode.Parse(output)!["sha256"]!.GetValue<string>(), Is.EqualTo(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(after.RawData))));
            Assert.That(EhrChain.Node.Tls.NetworkTrust.Load(Path.Combine(net, "tls", "ca.crt")).CheckValidator(after, "node-1", EhrChain.Node.Tls.NetworkTrust.ServerAuth), Is.Null);
            Assert.That(unknown.ExitCode, Is.Not.Zero);
            Assert.That(unknown.Error, Does.Contain("'node-9' is not a validator"));
        }
    }

    [TestCase("TlsCertificate")]
    [TestCase("TlsKey")]
    [TestCase("TlsCa")]
    public async Task A_node_without_a_TLS_setting_and_without_Insecure_refuses_to_start_naming_the_setting(string setting)
    {
        var net = _directory.Combine("net");
        await CliRun.RunAsync("genesis", "new", "--out", net);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(net, "node-0.json")))!;
        config["Node"]!.AsObject().Remove(setting);
        config["Node"]!.AsObject().Remove("Insecure");
        File.WriteAllText(Path.Combine(net, "node-0.json"), config.ToJsonString());

        var (code, _, error) = await CliRun.RunAsync("node", "run", "--config", Path.Combine(net, "node-0.json"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(Lines(error), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain($"Node:{setting} is not set"));
        }
    }

    [Test]
    public async Task A_node_whose_certificate_names_another_validator_refuses_to_start()
    {
        var net = _directory.Combine("net");
        await CliRun.RunAsync("genesis", "new", "--out", net);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(net, "node-0.json")))!;
        config["Node"]!["TlsCertificate"] = "tls/node-1.crt";
        config["Node"]!["TlsKey"] = "tls/node-1.key";
        File.WriteAllText(Path.Combine(net, "node-0.json"), config.ToJsonString());

        var (code, _, error) = await CliRun.RunAsync("node", "run", "--config", Path.Combine(net, "node-0.json"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(Lines(error), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain("Node:TlsCertificate").And.Contain("names 'node-1', not 'node-0'"));
        }
    }

    [Test]
    public async Task Insecure_and_ca_together_are_refused()
    {
        var (code, _, error) = await CliRun.RunAsync("status", "--insecure", "--ca", _directory.Combine("ca.crt"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(error, Does.Contain("--insecure and --ca"));
        }
    }

    [Test]
    public async Task Verify_accepts_a_clean_chain_and_names_the_first_tampered_height()
    {
        string data;
        await using (var cluster = await TestCluster.StartAsync())
        {
            using var admin = await EhrChain.Client.Session.LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, TimeSpan.FromSeconds(30), null, CancellationToken.None);
            for (var i = 0; i < 4; i++)
            {
                await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate($"pat-{i}", KeyRole.Patient), new Profile { Name = "P" }), wait: true, CancellationToken.None);
            }
            await cluster.WaitForAgreementAsync(4, TimeSpan.FromSeconds(30));
            data = _directory.Combine("node-1-copy");
            CopyDirectory(Path.Combine(cluster.Directory, "data", "node-1"), data);
            File.Copy(Path.Combine(cluster.Directory, "genesis.json"), _directory.Combine("genesis.json"));
        }

        var clean = await CliRun.RunAsync("verify", "--data", data);
        ChangeOneByteOfBlock(data, 3);
        var tampered = await CliRun.RunAsync("verify", "--data", data, "--output", "json");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(clean.ExitCode, Is.Zero, clean.Error);
            Assert.That(clean.Out, Does.Contain("Chain valid"));
            Assert.That(tampered.ExitCode, Is.EqualTo(ExitCodes.ChainInvalid));
            Assert.That(JsonNode.Parse(tampered.Out)!["firstBadHeight"]!.GetValue<ulong>(), Is.EqualTo(3UL));
        }
    }

    private static void ChangeOneByteOfBlock(string data, ulong height)
    {
        using var db = RocksDb.Open(RocksChainStore.CreateOptions(), data, RocksChainStore.CreateFamilies());
        var blocks = db.GetColumnFamily(RocksChainStore.BlocksFamily);
        var key = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(key, height);
        var block = Block.Parser.ParseFrom(db.Get(key, blocks));
        block.Header.TimeUnixMs += 1;
        db.Put(key, block.ToByteArray(), blocks);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
