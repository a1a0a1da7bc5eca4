using System.Text;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Tests.Integration;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Web;

/// <summary>
/// The web page in headless Chromium against four real nodes: a patient signs in with their key
/// file, grants a doctor, the doctor reads and appends, the patient sees it live and revokes, and
/// the doctor is refused with the node's reason. Between the steps the C# client checks what the
/// page made: the keys it sealed open for the doctor, the entry it encrypted decrypts for the
/// patient, and the escrow shares of its key rotation combine to the new key. No console errors.
/// </summary>
[NonParallelizable]
[Category("Browser")]
public sealed class WebPageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private const string DoctorPassphrase = "correct horse battery staple";

    private readonly TempDirectory _keys = new();
    private readonly List<LedgerSession> _sessions = [];
    private TestCluster _cluster = null!;
    private KeyFile _patient = null!;
    private KeyFile _doctor = null!;
    private KeyFile _lab = null!;
    private KeyFile _otherDoctor = null!;
    private string _recordId = null!;

    [OneTimeSetUp]
    public async Task StartCluster()
    {
        _cluster = await TestCluster.StartAsync(web: true, settings: new Dictionary<string, string?> { ["AccessLog:FlushInterval"] = "00:00:00.200" });
        var admin = await Open(_cluster.Admin);
        _patient = KeyFile.Generate("p-0a1b2c3d4e5f60718293", KeyRole.Patient);
        _doctor = KeyFile.Generate("p-9f8e7d6c5b4a39281706", KeyRole.Doctor);
        await admin.SubmitAsync(admin.Client.AddParticipant(_patient, new Profile { Name = "Ada Lovelace" }), wait: true, CancellationToken.None);
        await admin.SubmitAsync(admin.Client.AddParticipant(_doctor, new Profile
        {
            Name = "Dr Alice Moreau",
            Doctor = new DoctorProfile { LicenceNumber = "GMC-7001", Specialty = "Cardiology", Organisation = "St Mary's" },
        }), wait: true, CancellationToken.None);
        _lab = KeyFile.Generate("p-4c4c4c4c4c4c4c4c4c4c", KeyRole.Laboratory);
        await admin.SubmitAsync(admin.Client.AddParticipant(_lab, new Profile
        {
            Name = "City Laboratory",
            Laboratory = new LaboratoryProfile { Organisation = "City Labs", Accreditation = "ISO 15189" },
        }), wait: true, CancellationToken.None);
        _otherDoctor = KeyFile.Generate("p-b0b0b0b0b0b0b0b0b0b0", KeyRole.Doctor);
        await admin.SubmitAsync(admin.Client.AddParticipant(_otherDoctor, new Profile
        {
            Name = "Dr Bob Okafor",
            Doctor = new DoctorProfile { LicenceNumber = "GMC-7002", Specialty = "Emergency medicine", Organisation = "Riverside" },
        }), wait: true, CancellationToken.None);
        var patient = await Open(_patient);
        _recordId = "r-00112233445566778899";
        var created = patient.Client.CreateMedicalRecord(_recordId, [new PlainEntry(EntryKind.Allergy, "Penicillin"u8.ToArray())]);
        await patient.SubmitAsync(created.Transaction, wait: true, CancellationToken.None);
        // The demo's kind of key file (clear) for the patient, an encrypted one (scrypt) for the doctor.
        _patient.Save(PatientKeyFile);
        _doctor.Save(DoctorKeyFile, DoctorPassphrase);
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
        await _cluster.DisposeAsync();
        _keys.Dispose();
    }

    private string PatientKeyFile => Path.Combine(_keys.Path, "ada.key.json");

    private string DoctorKeyFile => Path.Combine(_keys.Path, "dr-alice.key.json");

    private async Task<LedgerSession> Open(KeyFile keys)
    {
        // Node 0 is the node the page talks to, so what the page committed is there to read.
        var session = await LedgerSession.OpenAsync(_cluster.Addresses[0], keys, Timeout, new ConsistencyToken(), CancellationToken.None);
        _sessions.Add(session);
        return session;
    }

    private string Record => $"section.record[data-record='{_recordId}']";

    [Test]
    public async Task A_patient_grants_a_doctor_who_reads_and_writes_until_the_patient_revokes()
    {
        await using var browser = await BrowserSession.LaunchAsync(nameof(A_patient_grants_a_doctor_who_reads_and_writes_until_the_patient_revokes));
        await browser.ScreenshotOnFailureAsync(() => PatientGrantsAndRevokesAsync(browser));
    }

    private async Task PatientGrantsAndRevokesAsync(BrowserSession browser)
    {
        var page = _cluster.WebUri(0);

        // The patient signs in and sees her record decrypted in the page.
        await browser.SignInAsync(page, PatientKeyFile);
        await browser.WaitForTextAsync("#patient h2", "Ada Lovelace");
        await browser.WaitForTextAsync($"{Record} td.content", "Penicillin");
        await browser.ScreenshotAsync("patient-signed-in");

        // She grants the doctor read-write for 30 days.
        await browser.TypeAsync($"{Record} .grant-grantee", _doctor.Id);
        await browser.TypeAsync($"{Record} .grant-days", "30");
        await browser.ClickAsync($"{Record} .grant-button");
        await browser.ExpectNoticeAsync($"Granted {_doctor.Id}");
        await browser.WaitForTextAsync($"{Record} tr.grant[data-grantee='{_doctor.Id}'] td.state", "live");
        await browser.ScreenshotAsync("patient-granted-doctor");

        // What the page sealed opens for the doctor's C# client: every epoch's key and the patient's profile key.
        var doctor = await Open(_doctor);
        var doctorView = await doctor.RecordAsync(_recordId, CancellationToken.None);
        var grant = (await doctor.GrantsAsync(_recordId, CancellationToken.None)).Grants.Single(g => g.GranteeId == _doctor.Id);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Encoding.UTF8.GetString(doctor.Client.Decrypt(doctorView).Single().Content!), Is.EqualTo("Penicillin"));
            Assert.That(doctor.Client.OpenProfile(await doctor.ParticipantAsync(_patient.Id, CancellationToken.None))?.Name, Is.EqualTo("Ada Lovelace"));
            Assert.That(grant.Permission, Is.EqualTo(Permission.ReadWrite));
            Assert.That(DateTimeOffset.FromUnixTimeMilliseconds(grant.ExpiresUnixMs) - DateTimeOffset.UtcNow, Is.EqualTo(TimeSpan.FromDays(30)).Within(TimeSpan.FromMinutes(5)));
        }

        // The doctor signs in with his encrypted key file, sees his patient by name and reads the record.
        await browser.SignOutAsync();
        await browser.SignInAsync(page, DoctorKeyFile, DoctorPassphrase);
        await browser.WaitForTextAsync("#clinician section.patient h3", "Ada Lovelace");
        await browser.WaitForTextAsync($"{Record} td.content", "Penicillin");

        // He appends a diagnosis, encrypted in the page.
        await browser.Page.SelectAsync($"{Record} .append-kind", ((int)EntryKind.Diagnosis).ToString(System.Globalization.CultureInfo.InvariantCulture));
        await browser.TypeAsync($"{Record} .append-content", "Stable angina");
        await browser.ClickAsync($"{Record} .append-button");
        await browser.ExpectNoticeAsync($"Appended to {_recordId}");
        await browser.WaitForTextAsync($"{Record} td.content", "Stable angina");
        await browser.ScreenshotAsync("doctor-read-and-appended");

        // The patient's C# client decrypts what the page encrypted, authored by the doctor.
        var patient = await Open(_patient);
        var entries = patient.Client.Decrypt(await patient.RecordAsync(_recordId, CancellationToken.None));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries, Has.Count.EqualTo(2));
            Assert.That(entries[1].Entry.Kind, Is.EqualTo(EntryKind.Diagnosis));
            Assert.That(entries[1].Entry.AuthorId, Is.EqualTo(_doctor.Id));
            Assert.That(Encoding.UTF8.GetString(entries[1].Content!), Is.EqualTo("Stable angina"));
        }

        await AssertThePageSignedAsTheClientLibraryDoesAsync(patient);

        // The patient sees the diagnosis, and a note the doctor writes meanwhile arrives live (Subscribe), without a reload.
        await browser.SignOutAsync();
        await browser.SignInAsync(page, PatientKeyFile);
        await browser.WaitForTextAsync($"{Record} td.content", "Stable angina");
        var ring = await doctor.RecordKeysAsync(_recordId, CancellationToken.None);
        await doctor.SubmitAsync(doctor.Client.AppendEntries(ring, [new PlainEntry(EntryKind.Note, "Review in three months"u8.ToArray())]), wait: true, CancellationToken.None);
        await browser.WaitForTextAsync($"{Record} td.content", "Review in three months");
        // Her access log lists the doctor's reads (made through the page before she signed in, so on the chain by now).
        await browser.WaitForTextAsync($"{Record} table.access-log", _doctor.Id);
        await browser.ScreenshotAsync("patient-sees-live-update-and-access-log");

        // She grants the laboratory too (no expiry): the page sends a laboratory grant for a laboratory's id.
        await browser.TypeAsync($"{Record} .grant-grantee", _lab.Id);
        await browser.ClickAsync($"{Record} .grant-button");
        await browser.ExpectNoticeAsync($"Granted {_lab.Id}");
        await browser.WaitForTextAsync($"{Record} tr.grant[data-grantee='{_lab.Id}'] td", "laboratory");

        // She revokes the doctor; the key rotates to her and the laboratory, the one other live grantee.
        await browser.ClickAsync($"{Record} button.revoke[data-grantee='{_doctor.Id}']");
        await browser.ExpectNoticeAsync($"Revoked {_doctor.Id}");
        await browser.WaitForTextAsync($"{Record} tr.grant[data-grantee='{_doctor.Id}'] td.state", "revoked");
        await browser.ScreenshotAsync("patient-revoked-doctor");
        await AssertTheRotationWasEscrowedAsync(patient);
        var lab = await Open(_lab);
        Assert.That((await lab.RecordKeysAsync(_recordId, CancellationToken.None)).KeyFor(1),
            Is.EqualTo((await patient.RecordKeysAsync(_recordId, CancellationToken.None)).KeyFor(1)), "the laboratory holds the new epoch's key");

        // The doctor signs in again: no patients, and opening the record shows the node's refusal.
        await browser.SignOutAsync();
        await browser.SignInAsync(page, DoctorKeyFile, DoctorPassphrase);
        await browser.WaitForTextAsync("#clinician", "No patient has granted you access.");
        await browser.TypeAsync("#open-record-id", _recordId);
        await browser.ClickAsync("#open-record");
        var refusal = await browser.ExpectErrorAsync();
        Assert.That(refusal, Does.StartWith("ACCESS_DENIED: "));
        await browser.ScreenshotAsync("doctor-refused-after-revocation");

        Assert.That(browser.ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task The_operator_view_shows_the_network_without_a_key_and_follows_blocks_with_one()
    {
        await using var browser = await BrowserSession.LaunchAsync(nameof(The_operator_view_shows_the_network_without_a_key_and_follows_blocks_with_one));
        await browser.ScreenshotOnFailureAsync(() => OperatorViewAsync(browser));
    }

    private async Task OperatorViewAsync(BrowserSession browser)
    {
        await browser.Page.GoToAsync(_cluster.WebUri(0).ToString());
        await browser.ClickAsync("#nav-network");
        await browser.WaitForTextAsync("#network td[data-field='health']", "serving");
        await browser.WaitForTextAsync("#network td[data-field='commit rate']", "blocks/s");
        var status = await _cluster.StatusAsync(0);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(await browser.TextAsync("#network td[data-field='node']"), Is.EqualTo("node-0"));
            Assert.That(await browser.TextAsync("#network td[data-field='chain']"), Is.EqualTo(status.ChainId));
            Assert.That(await browser.Page.EvaluateExpressionAsync<int>("document.querySelectorAll('#network ul.validators li').length"), Is.EqualTo(4));
            Assert.That(await browser.TextAsync("#network"), Does.Contain("Recent blocks are a signed read"));
        }
        await browser.ScreenshotAsync("operator-without-a-key");

        // With a validator's key the page subscribes and lists blocks as they commit.
        var validatorKeys = Path.Combine(_cluster.Directory, "keys", "node-0.key.json");
        await browser.SignInAsync(_cluster.WebUri(0), validatorKeys);
        await browser.WaitForTextAsync("#network td[data-field='node']", "node-0");
        var admin = await Open(_cluster.Admin);
        var newcomer = KeyFile.Generate("p-55aa55aa55aa55aa55aa", KeyRole.Patient);
        var receipt = (await admin.SubmitAsync(admin.Client.AddParticipant(newcomer, new Profile { Name = "Someone" }), wait: true, CancellationToken.None)).Receipt;
        var height = receipt.Height.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await browser.WaitForTextAsync("#blocks tr.block td", height);
        await browser.Page.WaitForFunctionAsync(
            "least => BigInt(document.querySelector(\"#network td[data-field='height']\").textContent) >= BigInt(least)",
            new PuppeteerSharp.WaitForFunctionOptions { Timeout = (int)Timeout.TotalMilliseconds, PollingInterval = 100 }, height);
        await browser.ScreenshotAsync("operator-following-blocks");
        Assert.That(browser.ConsoleErrors, Is.Empty);
    }

    [Test]
    public async Task The_patient_sees_a_break_glass_emergency_on_her_record_and_the_read_it_allowed()
    {
        await using var browser = await BrowserSession.LaunchAsync(nameof(The_patient_sees_a_break_glass_emergency_on_her_record_and_the_read_it_allowed));
        await browser.ScreenshotOnFailureAsync(async () =>
        {
            // A record of its own, so the break-glass does not touch the other tests' record.
            var patient = await Open(_patient);
            const string recordId = "r-eeeeeeeeeeeeeeeeeeee";
            await patient.SubmitAsync(patient.Client.CreateMedicalRecord(recordId, [new PlainEntry(EntryKind.Allergy, "Latex"u8.ToArray())]).Transaction, wait: true, CancellationToken.None);
            var doctor = await Open(_otherDoctor);
            const string reason = "Unconscious on arrival, no consent possible";
            await doctor.SubmitAsync(doctor.Client.OpenEmergency(recordId, reason), wait: true, CancellationToken.None);
            await doctor.RecordAsync(recordId, CancellationToken.None);

            await browser.SignInAsync(_cluster.WebUri(0), PatientKeyFile);
            var record = $"section.record[data-record='{recordId}']";
            await browser.WaitForTextAsync($"{record} ul.emergencies li", reason);
            await browser.WaitForTextAsync($"{record} ul.emergencies li", _otherDoctor.Id);
            await browser.WaitForTextAsync($"{record} ul.emergencies li", ", open;");
            // The doctor's read under the emergency reaches her access log (a live update redraws the view when it does not show yet).
            var deadline = DateTime.UtcNow + Timeout;
            while (!(await browser.TextAsync($"{record} table.access-log")).Contains("emergency em-", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                await browser.ClickAsync("#nav-records");
                await Task.Delay(500);
            }
            Assert.That(await browser.TextAsync($"{record} table.access-log"), Does.Contain(_otherDoctor.Id).And.Contain("emergency em-"));
            await browser.ScreenshotAsync("patient-sees-emergency");
            Assert.That(browser.ConsoleErrors, Is.Empty);
        });
    }

    [Test]
    public async Task Every_failure_shows_its_reason_in_the_page()
    {
        await using var browser = await BrowserSession.LaunchAsync(nameof(Every_failure_shows_its_reason_in_the_page));
        await browser.ScreenshotOnFailureAsync(async () =>
        {
            var page = _cluster.WebUri(0);
            var stranger = KeyFile.Generate("p-1234567890abcdef1234", KeyRole.Patient);
            var strangerFile = Path.Combine(_keys.Path, "stranger.key.json");
            stranger.Save(strangerFile);
            var notAKeyFile = Path.Combine(_keys.Path, "notes.json");
            await File.WriteAllTextAsync(notAKeyFile, "{\"hello\": 1}");

            Assert.That(await SignInErrorAsync(browser, page, DoctorKeyFile, "wrong passphrase"), Is.EqualTo("wrong passphrase (or the file was altered)."));
            Assert.That(await SignInErrorAsync(browser, page, DoctorKeyFile, null), Is.EqualTo("this key file is encrypted: enter its passphrase."));
            Assert.That(await SignInErrorAsync(browser, page, notAKeyFile, null), Is.EqualTo("this is not a version 1 key file."));
            // The node's own verdict on a key it does not know, with its reason.
            Assert.That(await SignInErrorAsync(browser, page, strangerFile, null), Does.StartWith("INVALID_READ_REQUEST: "));
            await browser.ScreenshotAsync("unknown-participant-refused");

            // A grant to someone who is not enrolled is refused by the node, and the page says so.
            await browser.SignInAsync(page, PatientKeyFile);
            await browser.TypeAsync($"{Record} .grant-grantee", "p-ffffffffffffffffffff");
            await browser.ClickAsync($"{Record} .grant-button");
            Assert.That(await browser.ExpectErrorAsync(), Does.StartWith("NOT_FOUND: "));
            // And the page's own check of the input, before anything is signed.
            await browser.TypeAsync($"{Record} .grant-grantee", _doctor.Id);
            await browser.TypeAsync($"{Record} .grant-days", "0");
            await browser.ClickAsync($"{Record} .grant-button");
            Assert.That(await browser.ExpectErrorAsync(), Does.StartWith("The expiry is a whole number of days"));
            await browser.ScreenshotAsync("grant-refused");
            Assert.That(browser.ConsoleErrors, Is.Empty);
        });
    }

    private static async Task<string> SignInErrorAsync(BrowserSession browser, Uri page, string keyFile, string? passphrase)
    {
        await browser.Page.GoToAsync(page.ToString());
        var input = await browser.Page.WaitForSelectorAsync("#keyfile");
        await input.UploadFileAsync(keyFile);
        if (passphrase is not null)
        {
            await browser.TypeAsync("#passphrase", passphrase);
        }
        await browser.ClickAsync("#signin-button");
        return await browser.ExpectErrorAsync();
    }

    /// <summary>
    /// The grant the page signed and the read requests it signed for the doctor (kept by the
    /// access log exactly as the node received them) verify with the signers' keys in their
    /// domains, and carry what EhrClient puts in them.
    /// </summary>
    private async Task AssertThePageSignedAsTheClientLibraryDoesAsync(LedgerSession patient)
    {
        var chainId = GenesisFile.Load(_cluster.GenesisPath).ChainId;
        var granted = (await patient.HistoryAsync(_recordId, CancellationToken.None)).Changes.Single(c => c.Kind == ChangeKind.AccessGranted);
        var signed = SignedTransaction.Parser.ParseFrom((await TransactionAsValidatorAsync(Convert.ToHexStringLower(granted.TxId.Span))).Transaction);
        var payload = TransactionPayload.Parser.ParseFrom(signed.Payload);

        var deadline = DateTime.UtcNow + Timeout;
        AccessLogRecord? doctorsRead;
        while ((doctorsRead = (await patient.AccessLogAsync(_recordId, CancellationToken.None)).Records.FirstOrDefault(r => r.Entry.ReaderId == _doctor.Id)) is null && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }
        Assert.That(doctorsRead, Is.Not.Null, "the doctor's reads through the page reached the access log");
        var readRequest = SignedReadRequest.Parser.ParseFrom(doctorsRead!.Entry.ReadRequest);
        var read = ReadRequest.Parser.ParseFrom(readRequest.Request);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_patient.Signing.PublicKey.Verify(SigningDomain.Transaction, signed.Payload.Span, signed.Signature.Span), Is.True);
            Assert.That(payload.ChainId, Is.EqualTo(chainId));
            Assert.That(payload.SignerId, Is.EqualTo(_patient.Id));
            Assert.That(payload.Nonce, Is.Not.Zero);
            Assert.That(DateTimeOffset.FromUnixTimeMilliseconds(payload.CreatedUnixMs), Is.EqualTo(DateTimeOffset.UtcNow).Within(TimeSpan.FromMinutes(1)));
            Assert.That(payload.GrantAccess.DoctorId, Is.EqualTo(_doctor.Id));
            Assert.That(payload.GrantAccess.SealedKeys.Select(k => k.Epoch), Is.EqualTo(new uint[] { 0 }));
            Assert.That(payload.GrantAccess.ProfileKey.ReaderId, Is.EqualTo(_doctor.Id));

            Assert.That(_doctor.Signing.PublicKey.Verify(SigningDomain.ReadRequest, readRequest.Request.Span, readRequest.Signature.Span), Is.True);
            Assert.That(_doctor.Signing.PublicKey.Verify(SigningDomain.Transaction, readRequest.Request.Span, readRequest.Signature.Span), Is.False, "a read request's signature is no transaction's");
            Assert.That(read.ChainId, Is.EqualTo(chainId));
            Assert.That(read.ReaderId, Is.EqualTo(_doctor.Id));
            Assert.That(read.Query.GetRecord.RecordId, Is.EqualTo(_recordId));
            Assert.That(read.Nonce, Is.Not.Zero);
        }
    }

    private async Task<TransactionReceipt> TransactionAsValidatorAsync(string txId)
    {
        var validator = new EhrClient(_cluster.ValidatorKey(0), GenesisFile.Load(_cluster.GenesisPath).ChainId, TimeProvider.System);
        return await _cluster.Client(0).GetTransactionAsync(new GetTransactionRequest
        {
            TxId = txId,
            Auth = validator.Read(new ReadQuery { GetTransaction = new GetTransactionQuery { TxId = txId } }),
        });
    }

    /// <summary>
    /// The revocation the page made carries the next epoch's key split among the genesis trustees:
    /// any two of their shares, opened with their keys, give the key the patient now holds.
    /// </summary>
    private async Task AssertTheRotationWasEscrowedAsync(LedgerSession patient)
    {
        var revocation = (await patient.HistoryAsync(_recordId, CancellationToken.None)).Changes.Last(c => c.Kind == ChangeKind.AccessRevoked);
        var genesis = GenesisFile.Load(_cluster.GenesisPath);
        var receipt = await TransactionAsValidatorAsync(Convert.ToHexStringLower(revocation.TxId.Span));
        var payload = TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(receipt.Transaction).Payload);
        var trustees = genesis.Emergency!.Trustees;
        var shares = payload.RevokeAccess.EscrowShares
            .Select(share => SealedBox.Open(KeyFile.Load(Path.Combine(_cluster.Directory, "keys", $"{share.TrusteeId}.key.json")).Encryption, share.SealedShare.Span))
            .ToList();
        var newKey = (await patient.RecordKeysAsync(_recordId, CancellationToken.None)).KeyFor(1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(payload.RevokeAccess.EscrowShares.Select(s => s.TrusteeId), Is.EqualTo(trustees.Select(t => t.Id)));
            Assert.That(payload.RevokeAccess.RotatedKeys.Select(k => k.ReaderId), Is.EqualTo(new[] { _patient.Id, _lab.Id }));
            Assert.That(ShamirSecretSharing.Combine([shares[0], shares[3]]), Is.EqualTo(newKey));
            Assert.That(ShamirSecretSharing.Combine([shares[2], shares[1]]), Is.EqualTo(newKey));
        }
    }
}
