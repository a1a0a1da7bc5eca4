using EhrChain.Cli.Local;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Cli.Demo;

/// <summary>
/// The design's scenario through the public API: the Admin enrols a patient, two doctors and a
/// laboratory; the patient creates a record and grants doctor A and the lab, handing them the
/// profile key; both write; doctor B is refused and sees the patient's profile only sealed; the
/// patient revokes doctor A, who is then refused, cannot decrypt what is written afterwards and
/// is no longer handed the profile key; a pharmacist reads and dispenses one prescription; the
/// patient reads the history; doctor B breaks the glass, the nodes release the keys, an auditor
/// reviews it and the patient rotates; the patient reads who read the record; every node holds
/// the same head. Ids on the chain are opaque; the names people use are local aliases. Each
/// participant talks to a different node, so every step also crosses the network.
/// </summary>
internal sealed partial class DemoScenario(IReadOnlyList<NodeTarget> nodes, KeyFile admin, string keysDirectory, Action<string> say, TimeSpan timeout)
{
    // Every participant sees every earlier step, whichever node they talk to.
    private readonly ConsistencyToken _token = new();

    // The local alias book of this walk-through: alias for each opaque id. Never sent to a node.
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    public async Task<DemoOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var outcome = new DemoOutcome();
        var patientKeys = NewKeys("pat-ada", KeyRole.Patient);
        var doctorAKeys = NewKeys("dr-alice", KeyRole.Doctor);
        var doctorBKeys = NewKeys("dr-bob", KeyRole.Doctor);
        var labKeys = NewKeys("lab-city", KeyRole.Laboratory);
        var pharmacyKeys = NewKeys("pharm-high", KeyRole.Pharmacist);
        var recordId = OpaqueIds.Record();
        _aliases[recordId] = "ada-main";
        _aliases[admin.Id] = admin.Id;

        var profiles = new Dictionary<KeyFile, Profile>
        {
            [patientKeys] = new() { Name = "Ada Lovelace" },
            [doctorAKeys] = new() { Name = "Dr Alice Moreau", Doctor = new DoctorProfile { LicenceNumber = "GMC-7001", Specialty = "Cardiology", Organisation = "St Mary's Hospital" } },
            [doctorBKeys] = new() { Name = "Dr Bob Okafor", Doctor = new DoctorProfile { LicenceNumber = "GMC-7002", Specialty = "General practice", Organisation = "Riverside Clinic" } },
            [labKeys] = new() { Name = "City Laboratory", Laboratory = new LaboratoryProfile { Organisation = "City Labs Ltd", Accreditation = "ISO 15189" } },
            [pharmacyKeys] = new() { Name = "High Street Pharmacy", Pharmacist = new PharmacistProfile { Organisation = "High Street Pharmacy Ltd", RegistrationNumber = "GPhC-1123" } },
        };
        outcome.ClearTexts.AddRange(profiles.Values.SelectMany(ProfileTexts));
        outcome.ParticipantIds.AddRange(profiles.Keys.Select(k => k.Id));
        outcome.RecordId = recordId;

        using var adminSession = await Open(admin, 0, cancellationToken).ConfigureAwait(false);
        say($"1. The Admin '{admin.Id}' enrols a patient, two doctors, a laboratory and a pharmacist (via {nodes[0]}).");
        say("   Ids are opaque; the names below are local aliases. Each profile is sealed to its owner and the Admin.");
        foreach (var (keys, profile) in profiles)
        {
            await Enrol(adminSession, keys, profile, cancellationToken).ConfigureAwait(false);
        }

        using var patient = await Open(patientKeys, 1, cancellationToken).ConfigureAwait(false);
        using var doctorA = await Open(doctorAKeys, 2, cancellationToken).ConfigureAwait(false);
        using var doctorB = await Open(doctorBKeys, 3, cancellationToken).ConfigureAwait(false);
        using var lab = await Open(labKeys, 0, cancellationToken).ConfigureAwait(false);
        using var pharmacy = await Open(pharmacyKeys, 1, cancellationToken).ConfigureAwait(false);

        say($"2. The patient creates record {Name(recordId)} with an allergy, and grants dr-alice (read-write) and lab-city, handing each the profile key.");
        var allergy = "Penicillin: anaphylaxis (2019)";
        var created = patient.Client.CreateMedicalRecord(recordId, [Entry(EntryKind.Allergy, allergy)]);
        await Commit(patient, created.Transaction, "   record created", cancellationToken).ConfigureAwait(false);
        var profileKey = patient.Client.OpenProfileKey(await patient.ParticipantAsync(patient.Id, cancellationToken).ConfigureAwait(false));
        await Commit(patient, patient.Client.GrantAccess(created.Keys, await patient.KeyHolderAsync(doctorAKeys.Id, cancellationToken).ConfigureAwait(false), Permission.ReadWrite, profileKey: profileKey), "   dr-alice granted", cancellationToken).ConfigureAwait(false);
        await Commit(patient, patient.Client.GrantAccessToLab(created.Keys, await patient.KeyHolderAsync(labKeys.Id, cancellationToken).ConfigureAwait(false), profileKey: profileKey), "   lab-city granted", cancellationToken).ConfigureAwait(false);

        say("3. Who can read the patient's profile: the chain holds only its ciphertext.");
        outcome.DoctorASawPatientName = await ShowProfile(doctorA, patient.Id, cancellationToken).ConfigureAwait(false) == "Ada Lovelace";
        outcome.DoctorBSawProfileSealed = await ShowProfile(doctorB, patient.Id, cancellationToken).ConfigureAwait(false) is null;

        say("4. dr-alice adds a consultation and a diagnosis; lab-city adds results.");
        var (consultation, diagnosis, result) = ("Chest pain on exertion; ECG ordered", "Stable angina", "Troponin I < 0.01 ng/mL (normal)");
        var aliceKeys = await doctorA.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        await Commit(doctorA, doctorA.Client.AppendEntries(aliceKeys, [Entry(EntryKind.Consultation, consultation), Entry(EntryKind.Diagnosis, diagnosis)]), "   dr-alice's entries appended", cancellationToken).ConfigureAwait(false);
        var labRing = await lab.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        await Commit(lab, lab.Client.AppendEntries(labRing, [Entry(EntryKind.LabResult, result)]), "   lab-city's result appended", cancellationToken).ConfigureAwait(false);
        outcome.LabRefusedDiagnosis = await Refused(lab, lab.Client.AppendEntries(labRing, [Entry(EntryKind.Diagnosis, "Myocardial infarction")]), "   lab-city tries to add a diagnosis", cancellationToken).ConfigureAwait(false);

        say("5. dr-alice imports a FHIR R4 Bundle (a Condition and a MedicationStatement); the patient exports the record as FHIR.");
        outcome.FhirRoundTripped = await FhirRoundTripAsync(doctorA, patient, recordId, outcome, cancellationToken).ConfigureAwait(false);

        say("6. dr-bob, who holds no grant, tries to read and to write the record.");
        outcome.DoctorBReadRefused = await RefusedRead(doctorB, recordId, "   dr-bob reads", cancellationToken).ConfigureAwait(false);
        // dr-bob holds no key to the record, so he encrypts under one of his own making.
        var madeUp = RecordKeyRing.FromKey(recordId, 0, Core.Crypto.ContentCipher.GenerateKey());
        outcome.DoctorBWriteRefused = await Refused(doctorB, doctorB.Client.AppendEntries(madeUp, [Entry(EntryKind.Note, "I should not be here")]), "   dr-bob appends", cancellationToken).ConfigureAwait(false);

        say("7. dr-alice prescribes; the patient shares that one prescription with pharm-high, which reads only it and dispenses it, once.");
        var prescription = "Amlodipine 5 mg, once daily, 28 days";
        await Commit(doctorA, doctorA.Client.AppendEntries(aliceKeys, [Entry(EntryKind.Prescription, prescription)]), "   dr-alice's prescription appended", cancellationToken).ConfigureAwait(false);
        var prescribed = (await patient.RecordAsync(recordId, cancellationToken).ConfigureAwait(false)).Entries[^1];
        var ownerRing = await patient.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        await Commit(patient, patient.Client.SharePrescription(ownerRing, prescribed, await patient.KeyHolderAsync(pharmacyKeys.Id, cancellationToken).ConfigureAwait(false)), $"   prescription #{prescribed.Index} shared with pharm-high", cancellationToken).ConfigureAwait(false);
        var shared = (await pharmacy.PrescriptionsAsync(cancellationToken).ConfigureAwait(false)).Prescriptions.Single();
        outcome.PharmacistReadPrescription = System.Text.Encoding.UTF8.GetString(pharmacy.Client.OpenPrescription(shared.Share)) == prescription;
        say($"   pharm-high reads: {(outcome.PharmacistReadPrescription ? prescription : "(unreadable: unexpected)")}");
        outcome.PharmacistRecordReadRefused = await RefusedRead(pharmacy, recordId, "   pharm-high reads the rest of the record", cancellationToken).ConfigureAwait(false);
        await Commit(pharmacy, pharmacy.Client.DispensePrescription(recordId, prescribed.Index), "   pharm-high records the dispensing", cancellationToken).ConfigureAwait(false);
        outcome.SecondDispensingRefused = await Refused(pharmacy, pharmacy.Client.DispensePrescription(recordId, prescribed.Index), "   pharm-high dispenses it again", cancellationToken).ConfigureAwait(false);
        outcome.ClearTexts.Add(prescription);

        say("8. The patient revokes dr-alice; the record's key is rotated for what is written next, and her profile key is withdrawn.");
        var remaining = await patient.RemainingGranteesAsync(recordId, doctorAKeys.Id, cancellationToken).ConfigureAwait(false);
        var ownerKeys = await patient.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        var revoked = patient.Client.RevokeAccess(ownerKeys, doctorAKeys.Id, remaining);
        await Commit(patient, revoked.Transaction, "   dr-alice revoked", cancellationToken).ConfigureAwait(false);
        outcome.RevokedDoctorWriteRefused = await Refused(doctorA, doctorA.Client.AppendEntriesAtEpoch(aliceKeys, aliceKeys.CurrentEpoch, [Entry(EntryKind.Note, "After revocation")]), "   dr-alice appends", cancellationToken).ConfigureAwait(false);
        var note = "Moving to another cardiologist";
        await Commit(patient, patient.Client.AppendEntries(revoked.Keys, [Entry(EntryKind.Note, note)]), "   the patient adds a note under the new key", cancellationToken).ConfigureAwait(false);
        outcome.ClearTexts.AddRange([allergy, consultation, diagnosis, result, note, "Myocardial infarction", "I should not be here", "After revocation"]);
        outcome.RevokedDoctorReadRefused = await RefusedRead(doctorA, recordId, "   dr-alice reads", cancellationToken).ConfigureAwait(false);
        var ownerView = await patient.RecordAsync(recordId, cancellationToken).ConfigureAwait(false);
        var newest = ownerView.Entries[^1];
        var withOldKeys = EhrClient.Decrypt(aliceKeys, newest);
        outcome.RevokedDoctorCannotDecrypt = !withOldKeys.IsReadable;
        say($"   with every key she held, dr-alice decrypts the new note: {(withOldKeys.IsReadable ? "YES (unexpected)" : "no")} ({withOldKeys.Problem ?? "readable"})");
        outcome.RevokedDoctorLostProfileKey = doctorA.Client.OpenProfileKey(await doctorA.ParticipantAsync(patient.Id, cancellationToken).ConfigureAwait(false)) is null;
        say($"   the node hands dr-alice the patient's profile key: {(outcome.RevokedDoctorLostProfileKey ? "no" : "YES (unexpected)")} (what she read before, she may have kept)");

        say("9. The patient reads the record and its history.");
        foreach (var entry in patient.Client.Decrypt(ownerView))
        {
            say($"   #{entry.Entry.Index} {entry.Entry.Kind,-13} by {Name(entry.Entry.AuthorId),-9} epoch {entry.Entry.KeyEpoch}: {(entry.IsReadable ? System.Text.Encoding.UTF8.GetString(entry.Content!) : entry.Problem)}");
        }
        outcome.PatientReadEntries = ownerView.Entries.Count;
        var history = await patient.HistoryAsync(recordId, cancellationToken).ConfigureAwait(false);
        foreach (var change in history.Changes)
        {
            say($"   block {change.Height,3}: {change.Kind} by {Name(change.AuthorId)}{(change.GranteeId.Length > 0 ? " for " + Name(change.GranteeId) : "")}");
        }
        outcome.HistoryChanges = history.Changes.Count;

        await BreakGlassAsync(outcome, adminSession, patient, doctorB, recordId, cancellationToken).ConfigureAwait(false);

        say("11. The patient reads who read the record: each node logs the reads it answered, in node-signed transactions.");
        var log = await AccessLogAsync(patient, recordId, [doctorAKeys.Id, labKeys.Id, patient.Id, doctorBKeys.Id, pharmacyKeys.Id], cancellationToken).ConfigureAwait(false);
        foreach (var read in log.Records)
        {
            var basis = read.Entry.Basis switch { AccessBasis.Owner => "as owner", AccessBasis.Emergency => $"in emergency {read.Entry.EmergencyId}", AccessBasis.PrescriptionShare => $"prescription #{read.Entry.EntryIndex} shared with it", _ => "under a grant" };
            say($"   {DateTimeOffset.FromUnixTimeMilliseconds(read.Entry.ReadUnixMs):HH:mm:ss.fff} {Name(read.Entry.ReaderId),-9} via {read.Entry.NodeId} {basis} (block {read.Height})");
        }
        outcome.AccessLogReaders.AddRange(log.Records.Select(r => r.Entry.ReaderId).Distinct());
        // dr-bob's refused read of step 5 left no entry; his reads under the emergency did.
        outcome.AccessLogHasRefusedReader = log.Records.Any(r => r.Entry.ReaderId == doctorBKeys.Id && r.Entry.Basis != AccessBasis.Emergency);
        outcome.AccessLogEmergencyReads = log.Records.Count(r => r.Entry.Basis == AccessBasis.Emergency);

        say("12. Every node holds the same chain.");
        outcome.HeadHashes = await HeadsAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>
    /// Break-glass: dr-bob, with no grant, opens emergency access with one transaction; the nodes
    /// release their organisations' shares by themselves; he decrypts; the patient sees it; an
    /// auditor reviews it; the patient rotates the key he was handed.
    /// </summary>
    private async Task BreakGlassAsync(DemoOutcome outcome, LedgerSession adminSession, LedgerSession patient, LedgerSession doctorB, string recordId, CancellationToken cancellationToken)
    {
        say($"10. Break-glass: dr-bob, in the emergency department, opens emergency access to {Name(recordId)} with a reason (no grant, the patient unconscious).");
        var auditorKeys = NewKeys("audit-1", KeyRole.Auditor);
        await Enrol(adminSession, auditorKeys, new Profile { Name = "Clinical governance" }, cancellationToken).ConfigureAwait(false);
        using var auditor = await Open(auditorKeys, 1, cancellationToken).ConfigureAwait(false);
        var open = doctorB.Client.OpenEmergency(recordId, "Unconscious on arrival, no consent possible", TimeSpan.FromHours(1));
        var emergencyId = "em-" + Core.Chain.TransactionIds.OfPayload(open.Payload.Span).ToString()[..20];
        await Commit(doctorB, open, $"   emergency {emergencyId} opened for 1 h", cancellationToken).ConfigureAwait(false);

        var keys = await EmergencyKeysAsync(doctorB, recordId, cancellationToken).ConfigureAwait(false);
        var view = await doctorB.RecordAsync(recordId, cancellationToken).ConfigureAwait(false);
        var readable = keys is null ? 0 : view.Entries.Count(e => EhrClient.Decrypt(keys, e).IsReadable);
        outcome.EmergencyDoctorReadEntries = readable;
        say($"   the nodes released their organisations' shares to dr-bob by themselves (any 2 suffice); he decrypts {readable} of {view.Entries.Count} entries (the Admin alone never could: it is no trustee)");

        var history = await patient.HistoryAsync(recordId, cancellationToken).ConfigureAwait(false);
        outcome.PatientSawEmergency = history.Changes.Any(c => c.Kind == ChangeKind.EmergencyOpened && c.EmergencyId == emergencyId);
        say($"   the patient's history shows it at once: {string.Join(", ", history.Changes.Where(c => c.EmergencyId == emergencyId).Select(c => $"{c.Kind} by {Name(c.AuthorId)}"))}");

        var unreviewed = await auditor.EmergenciesAsync(new ListEmergenciesQuery { Unreviewed = true }, cancellationToken).ConfigureAwait(false);
        say($"   audit-1 lists {unreviewed.Emergencies.Count} unreviewed emergency; reviews it as justified (which also closes it)");
        await Commit(auditor, auditor.Client.ReviewEmergency(emergencyId, EmergencyOutcome.Justified, "Admission confirmed by the trauma team lead."), "   reviewed", cancellationToken).ConfigureAwait(false);
        outcome.EmergencyReviewed = (await auditor.EmergenciesAsync(new ListEmergenciesQuery { Unreviewed = true }, cancellationToken).ConfigureAwait(false))
            .Emergencies.All(e => e.Emergency.Id != emergencyId);
        outcome.EmergencyDoctorReadRefusedAfter = await RefusedRead(doctorB, recordId, "   dr-bob reads after the review", cancellationToken).ConfigureAwait(false);

        var ownerKeys = await patient.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        var remaining = await patient.RemainingGranteesAsync(recordId, leaving: "", cancellationToken).ConfigureAwait(false);
        var rotation = patient.Client.CloseEmergencyAndRotate(ownerKeys, emergencyId, remaining);
        await Commit(patient, rotation.Transaction, "   the patient rotates the key dr-bob was handed, so what comes next is out of his reach", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The releases are the nodes' own transactions, a block or two after the opening.</summary>
    private async Task<RecordKeyRing?> EmergencyKeysAsync(LedgerSession doctor, string recordId, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.Add(timeout);
        while (DateTime.UtcNow < deadline)
        {
            if (await doctor.EmergencyKeysAsync(recordId, cancellationToken).ConfigureAwait(false) is { } keys)
            {
                return keys;
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
        return null;
    }

    /// <summary>
    /// The record's access log once every expected reader is on it and it has stopped growing:
    /// each node submits its entries within a flush interval (500 ms), so the last reads may
    /// still be on their way to a block when the first arrive.
    /// </summary>
    private async Task<AccessLog> AccessLogAsync(LedgerSession owner, string recordId, IReadOnlyList<string> readers, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.Add(timeout);
        var previous = -1;
        while (true)
        {
            var log = await owner.AccessLogAsync(recordId, cancellationToken).ConfigureAwait(false);
            var complete = readers.All(r => log.Records.Any(e => e.Entry.ReaderId == r)) && log.Records.Count == previous;
            if (complete || DateTime.UtcNow > deadline)
            {
                return log;
            }
            previous = readers.All(r => log.Records.Any(e => e.Entry.ReaderId == r)) ? log.Records.Count : -1;
            await Task.Delay(1500, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Prints the participant's profile as <paramref name="reader"/> can open it; returns the name, or null when it stays sealed.</summary>
    private async Task<string?> ShowProfile(LedgerSession reader, string participantId, CancellationToken cancellationToken)
    {
        var profile = reader.Client.OpenProfile(await reader.ParticipantAsync(participantId, cancellationToken).ConfigureAwait(false));
        say($"   {Name(reader.Id)} reads the profile of {Name(participantId)}: {profile?.Name ?? "(sealed)"}");
        return profile?.Name;
    }

    private string Name(string id) => _aliases.TryGetValue(id, out var alias) ? alias : id;

    private static IEnumerable<string> ProfileTexts(Profile profile) =>
        new[] { profile.Name, profile.Doctor?.LicenceNumber, profile.Doctor?.Specialty, profile.Doctor?.Organisation, profile.Laboratory?.Organisation, profile.Laboratory?.Accreditation }
            .OfType<string>();

    private async Task<IReadOnlyList<string>> HeadsAsync(CancellationToken cancellationToken)
    {
        // A node may be a block behind the one that answered last; wait briefly for all to agree.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var statuses = new List<NodeStatus>();
            // Status carries no token: each node answers with what it has now.
            foreach (var node in nodes)
            {
                using var channel = NodeChannels.Open(node);
                statuses.Add(await new Ledger.LedgerClient(channel).StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false));
            }
            if (statuses.Select(s => s.HeadHash).Distinct().Count() == 1 || DateTime.UtcNow > deadline)
            {
                foreach (var status in statuses)
                {
                    say($"   {status.NodeId}: height {status.Height}, head {status.HeadHash}");
                }
                return statuses.Select(s => s.HeadHash).ToList();
            }
            await Task.Delay(200, cancellationToken).ConfigureAwait(false);
        }
    }

    private KeyFile NewKeys(string alias, KeyRole role)
    {
        var keys = KeyFile.Generate(OpaqueIds.Participant(), role);
        keys.Save(Path.Combine(keysDirectory, $"{alias}.key.json"));
        _aliases[keys.Id] = alias;
        return keys;
    }

    private Task<LedgerSession> Open(KeyFile keys, int node, CancellationToken cancellationToken) =>
        LedgerSession.OpenAsync(nodes[node % nodes.Count], keys, timeout, _token, cancellationToken);

    private async Task Enrol(LedgerSession admin, KeyFile keys, Profile profile, CancellationToken cancellationToken)
    {
        var response = await admin.SubmitAsync(admin.Client.AddParticipant(keys, profile), wait: true, cancellationToken).ConfigureAwait(false);
        say($"   {keys.Role.ToString().ToLowerInvariant(),-10} {Name(keys.Id),-9} = {keys.Id} enrolled in block {response.Receipt.Height}");
    }

    private async Task Commit(LedgerSession session, SignedTransaction transaction, string what, CancellationToken cancellationToken)
    {
        var response = await session.SubmitAsync(transaction, wait: true, cancellationToken).ConfigureAwait(false);
        say($"{what} (block {response.Receipt.Height})");
    }

    private async Task<string?> Refused(LedgerSession session, SignedTransaction transaction, string what, CancellationToken cancellationToken)
    {
        try
        {
            var response = await session.SubmitAsync(transaction, wait: true, cancellationToken).ConfigureAwait(false);
            say($"{what}: ACCEPTED in block {response.Receipt.Height} (unexpected)");
            return null;
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Unavailable and not StatusCode.DeadlineExceeded)
        {
            var reason = RpcErrors.ReasonOf(e);
            say($"{what}: refused, {reason}: {e.Status.Detail}");
            return reason;
        }
    }

    private async Task<string?> RefusedRead(LedgerSession session, string recordId, string what, CancellationToken cancellationToken)
    {
        try
        {
            var view = await session.RecordAsync(recordId, cancellationToken).ConfigureAwait(false);
            say($"{what}: ALLOWED, {view.Entries.Count} entries (unexpected)");
            return null;
        }
        catch (RpcException e) when (e.StatusCode is not StatusCode.Unavailable and not StatusCode.DeadlineExceeded)
        {
            var reason = RpcErrors.ReasonOf(e);
            say($"{what}: refused, {reason}: {e.Status.Detail}");
            return reason;
        }
    }


    private static PlainEntry Entry(EntryKind kind, string text) => new(kind, System.Text.Encoding.UTF8.GetBytes(text));
}

/// <summary>What the walk-through observed, for the demo's summary and for tests to assert on.</summary>
internal sealed class DemoOutcome
{
    public string? LabRefusedDiagnosis { get; set; }
    public string? DoctorBReadRefused { get; set; }
    public string? DoctorBWriteRefused { get; set; }
    public string? RevokedDoctorWriteRefused { get; set; }
    public string? RevokedDoctorReadRefused { get; set; }
    public bool RevokedDoctorCannotDecrypt { get; set; }
    public bool DoctorASawPatientName { get; set; }
    public bool DoctorBSawProfileSealed { get; set; }
    public bool RevokedDoctorLostProfileKey { get; set; }
    public bool PharmacistReadPrescription { get; set; }
    public string? PharmacistRecordReadRefused { get; set; }
    public string? SecondDispensingRefused { get; set; }
    public int EmergencyDoctorReadEntries { get; set; }
    public bool PatientSawEmergency { get; set; }
    public bool EmergencyReviewed { get; set; }
    public string? EmergencyDoctorReadRefusedAfter { get; set; }
    public bool FhirRoundTripped { get; set; }

    /// <summary>Every profile field and entry text the walk-through wrote: none of it may be on a node's disk in clear.</summary>
    public List<string> ClearTexts { get; } = [];

    public List<string> ParticipantIds { get; } = [];
    public string RecordId { get; set; } = "";
    public int PatientReadEntries { get; set; }
    public int HistoryChanges { get; set; }

    /// <summary>Who the patient's access log says read the record.</summary>
    public List<string> AccessLogReaders { get; } = [];

    public bool AccessLogHasRefusedReader { get; set; }
    public int AccessLogEmergencyReads { get; set; }
    public IReadOnlyList<string> HeadHashes { get; set; } = [];

    public bool AllNodesAgree => HeadHashes.Count > 0 && HeadHashes.Distinct().Count() == 1;

    public bool Succeeded =>
        LabRefusedDiagnosis is not null && DoctorBReadRefused is not null && DoctorBWriteRefused is not null
        && RevokedDoctorWriteRefused is not null && RevokedDoctorReadRefused is not null && RevokedDoctorCannotDecrypt
        && DoctorASawPatientName && DoctorBSawProfileSealed && RevokedDoctorLostProfileKey && FhirRoundTripped
        && PharmacistReadPrescription && PharmacistRecordReadRefused is not null && SecondDispensingRefused is not null
        && EmergencyDoctorReadEntries > 0 && PatientSawEmergency && EmergencyReviewed && EmergencyDoctorReadRefusedAfter is not null
        && AccessLogReaders.Count == 5 && !AccessLogHasRefusedReader && AccessLogEmergencyReads > 0 && AllNodesAgree;
}
