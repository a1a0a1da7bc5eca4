using System.Text.Json.Nodes;
using EhrChain.Cli.Output;
using EhrChain.Core.Keys;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Cli;

/// <summary>
/// The CLI against four real nodes, the way a person uses it: key files in $EHRCHAIN_HOME under
/// local aliases, opaque ids on the chain, profiles shown decrypted only to whom may read them,
/// and refusals reported as the node judged the write.
/// </summary>
[NonParallelizable]
public sealed class CliFlowTests
{
    private TestCluster _cluster = null!;
    private TempDirectory _home = null!;
    private string _node = "";
    private string _admin = "";

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _home = new TempDirectory();
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", _home.Path);
        _cluster = await TestCluster.StartAsync();
        // The CLI trusts the test network's CA through its EHRCHAIN_CA default, as a user's shell would.
        Environment.SetEnvironmentVariable("EHRCHAIN_CA", _cluster.CaPath);
        // ... and escrows new record keys to the trustees of the test network's genesis file.
        Environment.SetEnvironmentVariable("EHRCHAIN_GENESIS", _cluster.GenesisPath);
        _node = _cluster.Addresses[0].Address;
        _admin = Path.Combine(_cluster.Directory, "keys", "admin.key.json");

        await Ok("keys", "new", "--alias", "pat-ada", "--role", "patient");
        await Ok("keys", "new", "--alias", "dr-alice", "--role", "doctor");
        await Ok("keys", "new", "--alias", "dr-bob", "--role", "doctor");
        await Ok("keys", "new", "--alias", "lab-city", "--role", "laboratory");
        await Ok("tx", "participant", "add", "--keys", "pat-ada", "--name", "Ada Lovelace", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "participant", "add", "--keys", "dr-alice", "--name", "Dr Alice Moreau", "--licence", "GMC-7001", "--specialty", "Cardiology", "--organisation", "St Mary's", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "participant", "add", "--keys", "dr-bob", "--name", "Dr Bob Okafor", "--licence", "GMC-7002", "--specialty", "GP", "--organisation", "Riverside", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "participant", "add", "--keys", "lab-city", "--name", "City Laboratory", "--organisation", "City Labs", "--accreditation", "ISO 15189", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "record", "create", "--alias", "ada-main", "--entry", "allergy=Penicillin", "--as", "pat-ada", "--wait", "--node", _node);
        await Ok("tx", "grant", "--record", "ada-main", "--doctor", "dr-alice", "--as", "pat-ada", "--wait", "--node", _node);
        await Ok("tx", "grant-lab", "--record", "ada-main", "--lab", "lab-city", "--as", "pat-ada", "--wait", "--node", _node);
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        await _cluster.DisposeAsync();
        Environment.SetEnvironmentVariable("EHRCHAIN_HOME", null);
        Environment.SetEnvironmentVariable("EHRCHAIN_CA", null);
        Environment.SetEnvironmentVariable("EHRCHAIN_GENESIS", null);
        _home.Dispose();
    }

    private static async Task<string> Ok(params string[] args)
    {
        var (code, output, error) = await CliRun.RunAsync(args);
        Assert.That(code, Is.Zero, $"{string.Join(' ', args)}: {error}");
        return output;
    }

    private static string IdOf(string alias) => KeyFile.Load(Path.Combine(Environment.GetEnvironmentVariable("EHRCHAIN_HOME")!, "keys", alias + ".key.json")).Id;

    [Test]
    public void Keys_new_writes_into_the_keys_directory_under_the_alias_with_an_opaque_id()
    {
        var keys = KeyFile.Load(Path.Combine(_home.Path, "keys", "pat-ada.key.json"));
        var aliases = JsonNode.Parse(File.ReadAllText(Path.Combine(_home.Path, "aliases.json")))!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(keys.Id, Does.Match("^p-[0-9a-f]{20}$"));
            Assert.That(keys.Id, Does.Not.Contain("ada"));
            Assert.That(aliases["pat-ada"]!.GetValue<string>(), Is.EqualTo(keys.Id));
            Assert.That(aliases["ada-main"]!.GetValue<string>(), Does.Match("^r-[0-9a-f]{20}$"), "the record got an opaque id and a local alias");
        }
    }

    [Test]
    public async Task A_granted_doctor_sees_the_patients_name_and_an_ungranted_one_sees_it_sealed()
    {
        var granted = await Ok("query", "participant", "pat-ada", "--as", "dr-alice", "--node", _node);
        var ungranted = await Ok("query", "participant", "pat-ada", "--as", "dr-bob", "--node", _node);
        var patients = await Ok("query", "patients", "--as", "dr-alice", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(granted, Does.Contain("Ada Lovelace"));
            Assert.That(ungranted, Does.Contain("(sealed)").And.Not.Contain("Ada"));
            Assert.That(patients, Does.Contain("Ada Lovelace").And.Contain(IdOf("pat-ada")));
        }
    }

    [Test]
    public async Task The_patient_reads_who_read_the_record_and_others_are_refused_in_one_line()
    {
        await Ok("query", "record", "ada-main", "--as", "dr-alice", "--node", _cluster.Addresses[2].Address);
        // The answering node submits its entries within its flush interval (500 ms).
        JsonArray rows = [];
        bool ByAlice(JsonNode? row) => row!["reader"]!.GetValue<string>().StartsWith("dr-alice (", StringComparison.Ordinal);
        for (var attempt = 0; attempt < 100 && !rows.Any(ByAlice); attempt++)
        {
            await Task.Delay(200);
            rows = JsonNode.Parse(await Ok("query", "access-log", "ada-main", "--as", "pat-ada", "--node", _node, "--output", "json"))!.AsArray();
        }
        var table = await Ok("query", "access-log", "ada-main", "--as", "pat-ada", "--node", _node);
        var (bobCode, _, bobError) = await CliRun.RunAsync("query", "access-log", "ada-main", "--as", "dr-bob", "--node", _node);
        var (adminCode, _, adminError) = await CliRun.RunAsync("query", "access-log", "ada-main", "--as", _admin, "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            var alice = rows.FirstOrDefault(ByAlice)?.AsObject();
            Assert.That(alice, Is.Not.Null, $"dr-alice's read is on the log: {rows.ToJsonString()}");
            Assert.That(alice!["node"]!.GetValue<string>(), Is.EqualTo("node-2"));
            Assert.That(alice["basis"]!.GetValue<string>(), Does.StartWith("grant of "));
            Assert.That(alice["read"]!.GetValue<string>(), Is.EqualTo("record"));
            Assert.That(table, Does.Contain("dr-alice").And.Contain("node-2").And.Contain("when"));
            Assert.That(bobCode, Is.EqualTo(ExitCodes.Refused));
            Assert.That(bobError.Trim().Split('\n'), Has.Length.EqualTo(1));
            Assert.That(bobError, Does.Contain("ACCESS_DENIED"));
            Assert.That(adminCode, Is.EqualTo(ExitCodes.Refused));
            Assert.That(adminError, Does.Contain("ACCESS_DENIED").And.Not.Contain("   at "));
        }
    }

    [Test]
    public async Task An_alias_or_a_raw_id_name_the_same_record()
    {
        var byAlias = await Ok("query", "record", "ada-main", "--as", "pat-ada", "--node", _node, "--output", "json");
        var recordId = JsonNode.Parse(byAlias)!["id"]!.GetValue<string>();
        var byId = await Ok("query", "record", recordId, "--as", "pat-ada", "--node", _node, "--output", "json");

        Assert.That(JsonNode.Parse(byId)!["id"]!.GetValue<string>(), Is.EqualTo(recordId));
    }

    [Test]
    public async Task An_ungranted_doctors_append_is_refused_with_the_nodes_write_reason()
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "record", "append", "--record", "ada-main", "--entry", "note=hello", "--as", "dr-bob", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Refused));
            Assert.That(error, Does.Contain("ACCESS_DENIED").And.Contain("holds no live grant"));
            Assert.That(error, Does.Not.Contain("neither the owner"), "not the read's refusal");
        }
    }

    [Test]
    public async Task A_suspended_labs_append_is_refused_as_suspended_not_as_may_not_read()
    {
        await Ok("keys", "new", "--alias", "lab-gone", "--role", "laboratory");
        await Ok("tx", "participant", "add", "--keys", "lab-gone", "--name", "Gone Labs", "--organisation", "Gone", "--accreditation", "ISO 15189", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "grant-lab", "--record", "ada-main", "--lab", "lab-gone", "--as", "pat-ada", "--wait", "--node", _node);
        await Ok("tx", "participant", "update", "--id", "lab-gone", "--suspend", "--as", _admin, "--wait", "--node", _node);

        var (code, _, error) = await CliRun.RunAsync("tx", "record", "append", "--record", "ada-main", "--entry", "lab-result=Na 140", "--as", "lab-gone", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Refused));
            Assert.That(error, Does.Contain("PARTICIPANT_SUSPENDED"));
            Assert.That(error, Does.Not.Contain("may not read"));
        }
    }

    [TestCase("--licence", "GMC-1")]
    [TestCase("--accreditation", "ISO 15189")]
    [TestCase("--specialty", "Cardiology")]
    public async Task Update_refuses_a_flag_that_does_not_apply_to_a_patient(string flag, string value)
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "update", "--id", "pat-ada", flag, value, "--as", "pat-ada", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain(flag).And.Contain("does not apply to a patient"));
        }
    }

    [Test]
    public async Task Update_refuses_a_laboratory_detail_on_a_doctor()
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "update", "--id", "dr-alice", "--accreditation", "X", "--as", "dr-alice", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain("does not apply to a doctor"));
        }
    }

    [Test]
    public async Task Update_with_nothing_to_change_is_refused()
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "update", "--id", "pat-ada", "--as", "pat-ada", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain("nothing to change"));
        }
    }

    [Test]
    public async Task Update_to_the_values_the_profile_already_holds_is_refused()
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "update", "--id", "dr-bob", "--specialty", "GP", "--as", "dr-bob", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain("nothing to change"));
        }
    }

    [Test]
    public async Task A_doctor_shares_their_profile_with_a_patient_who_can_then_read_it()
    {
        var before = await Ok("query", "participant", "dr-bob", "--as", "pat-ada", "--node", _node);
        await Ok("tx", "participant", "update", "--id", "dr-bob", "--share-with", "pat-ada", "--as", "dr-bob", "--wait", "--node", _node);
        var after = await Ok("query", "participant", "dr-bob", "--as", "pat-ada", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before, Does.Contain("(sealed)"));
            Assert.That(after, Does.Contain("Dr Bob Okafor").And.Contain("GMC-7002"));
        }
    }

    [Test]
    public async Task Changing_another_participants_profile_is_refused_by_the_node_not_by_the_cli()
    {
        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "update", "--id", "pat-ada", "--name", "Not Ada", "--as", "dr-bob", "--node", _node, "--wait");
        var stillAda = await Ok("query", "participant", "pat-ada", "--as", "pat-ada", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Refused));
            Assert.That(error, Does.Contain("ACCESS_DENIED").And.Contain("only their own details"));
            Assert.That(stillAda, Does.Contain("Ada Lovelace"));
        }
    }

    [Test]
    public async Task Enrolment_refuses_a_doctor_without_a_licence_before_anything_is_sent()
    {
        await Ok("keys", "new", "--alias", "dr-nolicence", "--role", "doctor");

        var (code, _, error) = await CliRun.RunAsync("tx", "participant", "add", "--keys", "dr-nolicence", "--name", "Dr N", "--specialty", "GP", "--organisation", "O", "--as", _admin, "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(ExitCodes.Usage));
            Assert.That(error, Does.Contain("--licence"));
        }
    }

    [Test]
    public async Task As_accepts_an_alias_from_the_keys_directory_and_refuses_an_unknown_one()
    {
        var known = await Ok("query", "records", "--as", "pat-ada", "--node", _node);
        var (code, _, error) = await CliRun.RunAsync("query", "records", "--as", "nobody-known", "--node", _node);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(known, Does.Contain("ada-main"));
            Assert.That(code, Is.EqualTo(ExitCodes.Failure));
            Assert.That(error, Does.Contain("no key file 'nobody-known'"));
        }
    }

    [Test]
    public async Task A_prescription_goes_from_doctor_to_pharmacist_and_is_dispensed_once()
    {
        await Ok("keys", "new", "--alias", "pat-grace", "--role", "patient");
        await Ok("keys", "new", "--alias", "pharm-high", "--role", "pharmacist");
        var (missing, _, missingError) = await CliRun.RunAsync("tx", "participant", "add", "--keys", "pharm-high", "--name", "High Street Pharmacy", "--organisation", "High Street", "--as", _admin, "--node", _node);
        await Ok("tx", "participant", "add", "--keys", "pharm-high", "--name", "High Street Pharmacy", "--organisation", "High Street", "--registration", "GPhC-1123", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "participant", "add", "--keys", "pat-grace", "--name", "Grace Hopper", "--as", _admin, "--wait", "--node", _node);
        await Ok("tx", "record", "create", "--alias", "grace-main", "--as", "pat-grace", "--wait", "--node", _node);
        await Ok("tx", "grant", "--record", "grace-main", "--doctor", "dr-alice", "--as", "pat-grace", "--wait", "--node", _node);
        await Ok("tx", "record", "append", "--record", "grace-main", "--entry", "prescription=Amoxicillin 500 mg, 3x daily, 7 days", "--as", "dr-alice", "--wait", "--node", _node);

        var (selfPrescribed, _, selfError) = await CliRun.RunAsync("tx", "record", "append", "--record", "grace-main", "--entry", "prescription=Oxycodone", "--as", "pat-grace", "--wait", "--node", _node);
        await Ok("tx", "prescription", "share", "--record", "grace-main", "--entry", "0", "--pharmacist", "pharm-high", "--as", "pat-grace", "--wait", "--node", _node);
        var listed = await Ok("query", "prescriptions", "--as", "pharm-high", "--node", _node);
        var (recordRead, _, _) = await CliRun.RunAsync("query", "record", "grace-main", "--as", "pharm-high", "--node", _node);
        await Ok("tx", "prescription", "dispense", "--record", "grace-main", "--entry", "0", "--as", "pharm-high", "--wait", "--node", _node);
        var (again, _, againError) = await CliRun.RunAsync("tx", "prescription", "dispense", "--record", "grace-main", "--entry", "0", "--as", "pharm-high", "--wait", "--node", _node);
        var history = await Ok("query", "history", "grace-main", "--as", "pat-grace", "--node", _node);
        var accessLog = await EventuallyAsync(() => Ok("query", "access-log", "grace-main", "--as", "pat-grace", "--node", _node, "--output", "json"), log => log.Contains(IdOf("pharm-high")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(missing, Is.EqualTo(ExitCodes.Usage));
            Assert.That(missingError, Does.Contain("--registration"));
            Assert.That(selfPrescribed, Is.EqualTo(ExitCodes.Refused));
            Assert.That(selfError, Does.Contain("Only a doctor may write a prescription"));
            Assert.That(listed, Does.Contain("Amoxicillin 500 mg, 3x daily, 7 days"));
            Assert.That(recordRead, Is.Not.Zero, "the pharmacist reads the shared copy, not the record");
            Assert.That(again, Is.EqualTo(ExitCodes.Refused));
            Assert.That(againError, Does.Contain("ALREADY_EXISTS").And.Contain("already been dispensed"));
            Assert.That(history, Does.Contain("PrescriptionShared").And.Contain("PrescriptionDispensed"));
            Assert.That(accessLog, Does.Contain(IdOf("pharm-high")).And.Contain("prescription #0"), "the pharmacist's reading of the copy is in the patient's access log");
        }
    }

    /// <summary>Runs <paramref name="read"/> until <paramref name="done"/> holds (access-log entries reach a block within a flush interval), at most 20 s.</summary>
    private static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        var output = await read();
        while (!done(output) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            output = await read();
        }
        return output;
    }

    [Test]
    public void The_gitignore_covers_key_files()
    {
        var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "EhrChain.sln")))
        {
            directory = directory.Parent;
        }
        Assert.That(directory, Is.Not.Null, "the repository root");
        var patterns = File.ReadAllLines(Path.Combine(directory!.FullName, ".gitignore")).Select(l => l.Trim());

        Assert.That(patterns, Does.Contain("*.key.json"));
    }
}
