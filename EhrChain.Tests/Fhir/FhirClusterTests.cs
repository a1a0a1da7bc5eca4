using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Fhir;
using EhrChain.Tests.Cli;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>
/// FHIR in and out through the `ehrchain` command against four real nodes (gRPC over TLS, RocksDB):
/// a doctor and a laboratory import, the patient exports, and every resource comes back exactly.
/// </summary>
[NonParallelizable]
public sealed class FhirClusterTests
{
    private TestCluster _cluster = null!;
    private TempDirectory _home = null!;
    private string _node = "";

    [OneTimeSetUp]
    public async System.Threading.Tasks.Task StartCluster()
    {
        _home = new TempDirectory();
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", _home.Path);
        _cluster = await TestCluster.StartAsync();
        Environment.SetEnvironmentVariable("EHRCHAIN_CA", _cluster.CaPath);
        // New record keys are escrowed to the trustees the CLI reads from the network's genesis file.
        Environment.SetEnvironmentVariable("EHRCHAIN_GENESIS", _cluster.GenesisPath);
        _node = _cluster.Addresses[0].Address;
        var admin = Path.Combine(_cluster.Directory, "keys", "admin.key.json");

        await Ok("keys", "new", "--alias", "pat-ada", "--role", "patient");
        await Ok("keys", "new", "--alias", "dr-alice", "--role", "doctor");
        await Ok("keys", "new", "--alias", "dr-bob", "--role", "doctor");
        await Ok("keys", "new", "--alias", "lab-city", "--role", "laboratory");
        await Ok("tx", "participant", "add", "--keys", "pat-ada", "--name", "Ada Lovelace", "--as", admin, "--wait");
        await Ok("tx", "participant", "add", "--keys", "dr-alice", "--name", "Dr Alice Moreau", "--licence", "GMC-7001", "--specialty", "Cardiology", "--organisation", "St Mary's", "--as", admin, "--wait");
        await Ok("tx", "participant", "add", "--keys", "dr-bob", "--name", "Dr Bob Okafor", "--licence", "GMC-7002", "--specialty", "GP", "--organisation", "Riverside", "--as", admin, "--wait");
        await Ok("tx", "participant", "add", "--keys", "lab-city", "--name", "City Laboratory", "--organisation", "City Labs", "--accreditation", "ISO 15189", "--as", admin, "--wait");
        await Ok("tx", "record", "create", "--alias", "ada-main", "--entry", "allergy=Penicillin", "--as", "pat-ada", "--wait");
        await Ok("tx", "grant", "--record", "ada-main", "--doctor", "dr-alice", "--as", "pat-ada", "--wait");
        await Ok("tx", "grant-lab", "--record", "ada-main", "--lab", "lab-city", "--as", "pat-ada", "--wait");
    }

    [OneTimeTearDown]
    public async System.Threading.Tasks.Task StopCluster()
    {
        await _cluster.DisposeAsync();
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", null);
        Environment.SetEnvironmentVariable("EHRCHAIN_CA", null);
        Environment.SetEnvironmentVariable("EHRCHAIN_GENESIS", null);
        _home.Dispose();
    }

    private async System.Threading.Tasks.Task<string> Ok(params string[] args)
    {
        var (code, output, error) = await CliRun.RunAsync([.. args, "--node", _node]);
        Assert.That(code, Is.Zero, $"{string.Join(' ', args)}: {error}");
        return output;
    }

    private string WriteBundle(string name, IEnumerable<Resource> resources)
    {
        var path = _home.Combine(name);
        File.WriteAllText(path, FhirExamples.Json(FhirExamples.Collection(resources)));
        return path;
    }

    [Test]
    public async System.Threading.Tasks.Task A_doctors_and_a_labs_import_come_back_exactly_in_the_patients_export()
    {
        var clinical = FhirExamples.All().Where(r => r is not Observation { Id: "lab-glucose" }).ToList();
        var doctorImport = await Ok("record", "import", "--fhir", WriteBundle("clinical.json", clinical), "--record", "ada-main", "--as", "dr-alice");
        await Ok("record", "import", "--fhir", WriteBundle("lab.json", [FhirExamples.GlucoseLab()]), "--record", "ada-main", "--as", "lab-city");
        var file = _home.Combine("export.json");
        var summary = await Ok("record", "export", "ada-main", "--fhir", "--out", file, "--as", "pat-ada");

        var bundle = (Bundle)FhirJson.Parse(File.ReadAllText(file), "export.json");
        var resources = bundle.Entry.Select(e => e.Resource!).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(doctorImport, Does.Contain($"Imported {clinical.Count} resources"));
            Assert.That(bundle.Type, Is.EqualTo(Bundle.BundleType.Collection));
            foreach (var original in FhirExamples.All())
            {
                Assert.That(resources.Count(r => r.IsExactly(original)), Is.EqualTo(1), $"{original.TypeName}/{original.Id} comes back exactly once");
            }
            var typed = resources.OfType<DocumentReference>().Single();
            Assert.That(System.Text.Encoding.UTF8.GetString(typed.Content.Single().Attachment!.Data!), Is.EqualTo("Penicillin"), "the allergy typed as text");
            Assert.That(resources.OfType<Consent>().Select(c => c.Provision!.Actor.Single().Reference!.Identifier!.Value), Is.EquivalentTo(new[] { IdOf("dr-alice"), IdOf("lab-city") }));
            Assert.That(resources.OfType<Consent>().Select(c => c.Patient!.Identifier!.Value), Has.All.EqualTo(IdOf("pat-ada")));
            Assert.That(summary, Does.Contain("2 grants as Consent"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite), "health data in clear: owner-only");
            }
        }
    }

    [TestCase("text")]
    [TestCase("json")]
    public async System.Threading.Tasks.Task Without_out_the_bundle_is_the_whole_standard_output_in_either_mode(string format)
    {
        var output = await Ok("record", "export", "ada-main", "--fhir", "--as", "pat-ada", "--output", format);

        var bundle = (Bundle)FhirJson.Parse(output, "standard output");
        Assert.That(bundle.Entry.Select(e => e.Resource!.TypeName), Does.Contain("DocumentReference").And.Contain("Consent"));
    }

    [Test]
    public async System.Threading.Tasks.Task A_bundle_over_32_resources_goes_in_several_transactions_each_reported()
    {
        await Ok("tx", "record", "create", "--alias", "ada-second", "--as", "pat-ada", "--wait");
        var allergies = Enumerable.Range(0, 40).Select(i =>
        {
            var allergy = FhirExamples.PenicillinAllergy();
            allergy.Id = $"allergy-{i}";
            return (Resource)allergy;
        }).ToList();

        var output = JsonNode.Parse(await Ok("record", "import", "--fhir", WriteBundle("many.json", allergies), "--record", "ada-second", "--as", "pat-ada", "--output", "json"))!;
        var record = JsonNode.Parse(await Ok("query", "record", "ada-second", "--as", "pat-ada", "--output", "json"))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(output["transactions"]!.AsArray().Select(t => t!["entries"]!.AsArray().Count), Is.EqualTo(new[] { 32, 8 }));
            Assert.That(output["transactions"]!.AsArray().Select(t => t!["txId"]!.GetValue<string>()), Is.Unique);
            Assert.That(record["entries"]!.AsArray(), Has.Count.EqualTo(40));
            Assert.That(record["entries"]!.AsArray().Select(e => e!["kind"]!.GetValue<string>()), Has.All.EqualTo("allergy"));
        }
    }

    [Test]
    public async System.Threading.Tasks.Task An_ungranted_doctors_import_is_refused_by_the_node_and_changes_nothing()
    {
        var before = JsonNode.Parse(await Ok("query", "record", "ada-main", "--as", "pat-ada", "--output", "json"))!["entryCount"]?.GetValue<int>() ?? 0;

        var (code, _, error) = await CliRun.RunAsync("record", "import", "--fhir", WriteBundle("bob.json", [FhirExamples.ActiveAngina()]), "--record", "ada-main", "--as", "dr-bob", "--node", _node);
        var after = JsonNode.Parse(await Ok("query", "record", "ada-main", "--as", "pat-ada", "--output", "json"))!["entryCount"]?.GetValue<int>() ?? 0;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Refused));
            Assert.That(error, Does.Contain("ACCESS_DENIED"));
            Assert.That(after, Is.EqualTo(before));
        }
    }

    private string IdOf(string alias) => EhrChain.Core.Keys.KeyFile.Load(Path.Combine(_home.Path, "keys", alias + ".key.json")).Id;
}
