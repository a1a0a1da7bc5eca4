using System.Text.Json.Nodes;
using EhrChain.Tests.Integration;

namespace EhrChain.Tests.Cli;

/// <summary>
/// <c>ehrchain validators</c> against real nodes: three of the four operators vote a fifth node in
/// with their nodes' key files, the vote that completes the quorum reports the scheduled change,
/// <c>list</c> shows it, and anyone who is not a validator is refused with one line.
/// </summary>
[NonParallelizable]
public sealed class CliValidatorsTests
{
    private TestCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task StartCluster() => _cluster = await TestCluster.StartAsync(joiners: 1);

    [OneTimeTearDown]
    public async Task StopCluster() => await _cluster.DisposeAsync();

    private string Key(string name) => Path.Combine(_cluster.Directory, "keys", $"{name}.key.json");

    private Task<(int ExitCode, string Out, string Error)> Run(int node, params string[] args) =>
        CliRun.RunAsync([.. args, "--node", _cluster.Addresses[node].Address, "--ca", _cluster.CaPath]);

    [Test]
    public async Task Three_operators_vote_a_fifth_validator_in_and_a_node_that_cast_no_vote_lists_it_scheduled_or_in_force()
    {
        var before = await Run(0, "validators", "list");
        var outsider = await Run(0, "validators", "add", "--keys", Key("node-4"), "--address", _cluster.PeerAddress(4), "--as", Key("admin"), "--wait");
        var votes = new List<(int ExitCode, string Out, string Error)>();
        for (var i = 0; i < 3; i++)
        {
            votes.Add(await Run(i, "validators", "add", "--keys", Key("node-4"), "--address", _cluster.PeerAddress(4), "--as", Key($"node-{i}"), "--wait"));
        }
        // The change orders sequences 256 blocks after the completing vote, and an idle network
        // gets there with empty batches within seconds: node-3, which cast no vote, lists it
        // either still scheduled or already in force, and in force soon after.
        var after = await Run(3, "validators", "list", "--output", "json");
        var json = JsonNode.Parse(after.Out)!;
        var inForce = await ListUntilEpoch(3, 1);
        string[] five = ["node-0", "node-1", "node-2", "node-3", "node-4"];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.Out, Does.Contain("epoch 0: node-0, node-1, node-2, node-3 (quorum 3 of 4)"));
            Assert.That(before.Out, Does.Contain("no change scheduled"));
            Assert.That(outsider.ExitCode, Is.Not.Zero);
            Assert.That(outsider.Error, Does.Contain("UNKNOWN_SIGNER").Or.Contain("not a current validator"));
            Assert.That(outsider.Error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(outsider.Error.Trim().Split('\n'), Has.Length.EqualTo(1), outsider.Error);
            Assert.That(votes.Select(v => v.ExitCode), Is.All.Zero, string.Join("\n", votes.Select(v => v.Error)));
            Assert.That(votes[1].Out, Does.Contain("no change is scheduled yet"));
            Assert.That(votes[2].Out, Does.Contain("scheduled: from height").And.Contain("node-0, node-1, node-2, node-3, node-4"));
            if (json["epoch"]!.GetValue<ulong>() == 0)
            {
                Assert.That(json["nextValidators"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(five), after.Out);
                Assert.That(json["epochEnd"]!.GetValue<ulong>(), Is.GreaterThan(256UL), after.Out);
            }
            else
            {
                Assert.That(json["validators"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(five), after.Out);
            }
            Assert.That(inForce["validators"]!.AsArray().Select(v => v!.GetValue<string>()), Is.EqualTo(five));
            Assert.That(inForce["nextValidators"]!.AsArray(), Is.Empty, "nothing more is scheduled");
        }
    }

    /// <summary>Lists node <paramref name="node"/>'s validators until it reports <paramref name="epoch"/>; the last listing otherwise.</summary>
    private async Task<JsonNode> ListUntilEpoch(int node, ulong epoch)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var listed = JsonNode.Parse((await Run(node, "validators", "list", "--output", "json")).Out)!;
            if (listed["epoch"]!.GetValue<ulong>() >= epoch || DateTime.UtcNow > deadline)
            {
                return listed;
            }
            await Task.Delay(200);
        }
    }

    [Test]
    public async Task A_key_file_that_is_not_a_validators_is_refused_as_the_new_validator()
    {
        var (code, output, error) = await Run(0, "validators", "add", "--keys", Key("admin"), "--address", "127.0.0.1:1", "--as", Key("node-0"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Not.Zero);
            Assert.That(error.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.Contain("validator key file"));
            Assert.That(output, Is.Empty);
        }
    }
}
