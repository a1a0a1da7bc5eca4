using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Fhir;
using EhrChain.Tests.Cli;
using EhrChain.Tests.Support;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>
/// Bundles import refuses whole, before any node is asked: each with one line naming the file or
/// the resource. The CLI cases run with no node at all (the address given is closed), so a
/// refusal there proves nothing was sent.
/// </summary>
public sealed class FhirImportRefusalTests
{
    private static readonly string[] NoNode = ["--node", "127.0.0.1:1", "--insecure"];

    [Test]
    public void Garbage_is_not_json()
    {
        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From("{ this is not json", "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.StartWith("bundle.json is not JSON"));
    }

    [Test]
    public void A_resource_that_is_not_a_bundle_is_refused()
    {
        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(FhirExamples.ActiveAngina()), "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Is.EqualTo("bundle.json holds a Condition, not a Bundle."));
    }

    [Test]
    public void A_bundle_that_does_not_validate_is_refused_naming_the_element()
    {
        // An Observation without its required code.
        var json = """{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"Observation","status":"final"}}]}""";

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(json, "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.StartWith("bundle.json is not valid FHIR R4").And.Contain("Bundle.entry[0].resource.code"));
    }

    [Test]
    public void An_unknown_element_is_refused_rather_than_dropped()
    {
        var json = """{"resourceType":"Bundle","type":"collection","entry":[{"resource":{"resourceType":"AllergyIntolerance","patient":{"reference":"Patient/x"},"sneaky":1}}]}""";

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(json, "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.Contain("sneaky"));
    }

    [Test]
    public void An_unsupported_resource_type_is_refused_naming_it()
    {
        var bundle = FhirExamples.Collection([FhirExamples.PenicillinAllergy(), new Patient { Id = "example" }]);

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(bundle), "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.StartWith("Bundle.entry[1] (Patient/example): Patient is not supported"));
    }

    [Test]
    public void An_observation_that_is_neither_lab_nor_social_history_is_refused()
    {
        var vitals = FhirExamples.Smoking();
        vitals.Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "vital-signs")];

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection([vitals])), "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.Contain("laboratory").And.Contain("social-history"));
    }

    [Test]
    public void A_laboratory_importing_a_condition_is_refused_naming_the_resource()
    {
        var bundle = FhirExamples.Collection([FhirExamples.GlucoseLab(), FhirExamples.ActiveAngina()]);

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(bundle), "bundle.json", ParticipantRole.Laboratory));

        Assert.That(e.Message, Is.EqualTo("Bundle.entry[1] (Condition/condition-angina) would be a diagnosis entry, and a laboratory imports lab results only."));
    }

    [TestCase(ParticipantRole.Doctor)]
    [TestCase(ParticipantRole.Patient)]
    public void Only_a_laboratory_imports_lab_results(ParticipantRole role)
    {
        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection([FhirExamples.GlucoseLab()])), "bundle.json", role));

        Assert.That(e.Message, Does.Contain("Observation/lab-glucose").And.Contain("lab-result"));
    }

    [Test]
    public void A_resource_too_large_for_one_entry_is_refused_naming_it()
    {
        var huge = FhirExamples.Consultation();
        huge.ReasonCode = [new CodeableConcept { Text = new string('x', ImportLimits.MaxEntryPlaintextBytes) }];

        var e = Assert.Throws<FhirInputException>(() => FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection([FhirExamples.PenicillinAllergy(), huge])), "bundle.json", ParticipantRole.Doctor));

        Assert.That(e.Message, Does.StartWith("Bundle.entry[1] (Encounter/encounter-cardiology) is ").And.Contain($"at most {ImportLimits.MaxEntryPlaintextBytes}"));
    }

    [Test]
    public void An_empty_bundle_and_an_entry_without_a_resource_are_refused()
    {
        var withoutResource = new Bundle { Type = Bundle.BundleType.Collection };
        withoutResource.Entry.Add(new Bundle.EntryComponent { FullUrl = "urn:uuid:8d2c3b0e-4e0c-4c5e-9f58-0a1b2c3d4e5f" });
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => FhirImportPlan.From(FhirExamples.Json(new Bundle { Type = Bundle.BundleType.Collection }), "b.json", ParticipantRole.Doctor), Throws.TypeOf<FhirInputException>().With.Message.Contains("no entries"));
            Assert.That(() => FhirImportPlan.From(FhirExamples.Json(withoutResource), "b.json", ParticipantRole.Doctor), Throws.TypeOf<FhirInputException>().With.Message.EqualTo("Bundle.entry[0] holds no resource."));
        }
    }

    [Test]
    public async System.Threading.Tasks.Task The_cli_refuses_garbage_in_one_line_without_contacting_a_node()
    {
        using var directory = new TempDirectory();
        var keys = KeyFile(directory, KeyRole.Doctor);
        File.WriteAllText(directory.Combine("bundle.json"), "garbage");

        var (code, output, error) = await CliRun.RunAsync(["record", "import", "--fhir", directory.Combine("bundle.json"), "--record", "r-1", "--as", keys, .. NoNode]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(error.TrimEnd().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(error, Does.StartWith("error: bundle.json is not JSON").And.Contain("Nothing was imported."));
            Assert.That(error, Does.Not.Contain("   at "), "no stack trace");
            Assert.That(output, Is.Empty);
        }
    }

    [Test]
    public async System.Threading.Tasks.Task The_cli_refuses_a_laboratory_importing_a_condition_without_contacting_a_node()
    {
        using var directory = new TempDirectory();
        var keys = KeyFile(directory, KeyRole.Laboratory);
        File.WriteAllText(directory.Combine("bundle.json"), FhirExamples.Json(FhirExamples.Collection([FhirExamples.GlucoseLab(), FhirExamples.ResolvedAppendicitis()])));

        var (code, _, error) = await CliRun.RunAsync(["record", "import", "--fhir", directory.Combine("bundle.json"), "--record", "r-1", "--as", keys, .. NoNode]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure), "not Unavailable: the node was never asked");
            Assert.That(error.TrimEnd(), Is.EqualTo("error: Bundle.entry[1] (Condition/condition-appendicitis) would be a medical-history entry, and a laboratory imports lab results only. Nothing was imported."));
        }
    }

    [Test]
    public async System.Threading.Tasks.Task The_cli_reports_a_missing_file_in_one_line()
    {
        using var directory = new TempDirectory();
        var keys = KeyFile(directory, KeyRole.Doctor);

        var (code, _, error) = await CliRun.RunAsync(["record", "import", "--fhir", directory.Combine("missing.json"), "--record", "r-1", "--as", keys, .. NoNode]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(error, Does.StartWith("error: --fhir: cannot read 'missing.json'"));
        }
    }

    private static string KeyFile(TempDirectory directory, KeyRole role)
    {
        var path = directory.Combine($"{role}.key.json");
        EhrChain.Core.Keys.KeyFile.Generate("p-00000000000000000009", role).Save(path);
        return path;
    }
}
