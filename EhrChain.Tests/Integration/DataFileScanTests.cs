using System.Text;
using EhrChain.Cli.Demo;

namespace EhrChain.Tests.Integration;

/// <summary>
/// What a node operator holds on disk: after the whole scenario on four real nodes, every byte of
/// every node's data directory (RocksDB SST, WAL, MANIFEST, OPTIONS, LOG) is searched for the
/// clear text of every profile field and entry the scenario wrote.
/// </summary>
[NonParallelizable]
public sealed class DataFileScanTests
{
    [Test]
    public async Task No_node_keeps_a_profile_field_or_an_entry_text_in_clear_in_its_data_files()
    {
        await using var cluster = await TestCluster.StartAsync();
        var lines = new List<string>();
        var outcome = await new DemoScenario(cluster.Addresses, cluster.Admin, Path.Combine(cluster.Directory, "keys"), lines.Add, TimeSpan.FromSeconds(30)).RunAsync(CancellationToken.None);
        Assert.That(outcome.Succeeded, Is.True, string.Join(Environment.NewLine, lines));
        // Stopping closes RocksDB: whatever was only in memory is now in the WAL or an SST file.
        for (var i = 0; i < cluster.Count; i++)
        {
            await cluster.StopNodeAsync(i);
        }

        var secrets = outcome.ClearTexts.Distinct().ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(secrets, Does.Contain("Ada Lovelace").And.Contain("GMC-7001").And.Contain("ISO 15189").And.Contain("Stable angina"), "the scan looks for names, licences, accreditations and entry texts");
            for (var i = 0; i < cluster.Count; i++)
            {
                var files = Directory.GetFiles(Path.Combine(cluster.Directory, "data", $"node-{i}"), "*", SearchOption.AllDirectories);
                var bytes = files.ToDictionary(f => f, File.ReadAllBytes);
                Assert.That(files.Select(Path.GetFileName), Has.Some.StartsWith("MANIFEST").And.Some.Matches<string>(f => f.EndsWith(".log", StringComparison.Ordinal) || f.EndsWith(".sst", StringComparison.Ordinal)), $"node-{i} has RocksDB files");

                // The scan really reads what is on disk: values the chain keeps in clear are found.
                Assert.That(FilesContaining(bytes, "ehrchain-test"), Is.Not.Empty, $"node-{i}: the chain id is on disk");
                Assert.That(FilesContaining(bytes, outcome.ParticipantIds[0]), Is.Not.Empty, $"node-{i}: the patient's opaque id is on disk");
                Assert.That(FilesContaining(bytes, outcome.RecordId), Is.Not.Empty, $"node-{i}: the record's opaque id is on disk");

                foreach (var secret in secrets)
                {
                    Assert.That(FilesContaining(bytes, secret), Is.Empty, $"node-{i} holds '{secret}' in clear");
                }
            }
        }
    }

    private static List<string> FilesContaining(Dictionary<string, byte[]> files, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        return files.Where(f => f.Value.AsSpan().IndexOf(needle) >= 0).Select(f => Path.GetFileName(f.Key)).ToList();
    }
}
