using EhrChain.Cli.Client;
using EhrChain.Cli.Local;
using EhrChain.Contracts.Client;
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
/// is no longer handed the profile key; the patient reads the history; every node holds the same
/// head. Ids on the chain are opaque; the names people use are local aliases. Each participant
/// talks to a different node, so every step also crosses the network.
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
        var recordId = OpaqueIds.Record();
        _aliases[recordId] = "ada-main";
        _aliases[admin.Id] = admin.Id;

        var profiles = new Dictionary<KeyFile, Profile>
        {
            [patientKeys] = new() { Name = "Ada Lovelace" },
            [doctorAKeys] = new() { Name = "Dr Alice Moreau", Doctor = new DoctorProfile { LicenceNumber = "GMC-7001", Specialty = "Cardiology", Organisation = "St Mary's Hospital" } },
            [doctorBKeys] = new() { Name = "Dr Bob Okafor", Doctor = new DoctorProfile { LicenceNumber = "GMC-7002", Specialty = "General practice", Organisation = "Riverside Clinic" } },
            [labKeys] = new() { Name = "City Laboratory", Laboratory = new LaboratoryProfile { Organisation = "City Labs Ltd", Accreditation = "ISO 15189" } },
        };
        outcome.ClearTexts.AddRange(profiles.Values.SelectMany(ProfileTexts));
        outcome.ParticipantIds.AddRange(profiles.Keys.Select(k => k.Id));
        outcome.RecordId = recordId;

        using var adminSession = await Open(admin, 0, cancellationToken).ConfigureAwait(false);
        say($"1. The Admin '{admin.Id}' enrols a patient, two doctors and a laboratory (via {nodes[0]}).");
        say("   Ids are opaque; the names below are local aliases. Each profile is sealed to its owner and the Admin.");
        foreach (var (keys, profile) in profiles)
        {
            await Enrol(adminSession, keys, profile, cancellationToken).ConfigureAwait(false);
        }

        using var patient = await Open(patientKeys, 1, cancellationToken).ConfigureAwait(false);
        using var doctorA = await Open(doctorAKeys, 2, cancellationToken).ConfigureAwait(false);
        using var doctorB = await Open(doctorBKeys, 3, cancellationToken).ConfigureAwait(false);
        using var lab = await Open(labKeys, 0, cancellationToken).ConfigureAwait(false);

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

        say("4b. dr-alice imports a FHIR R4 Bundle (a Condition and a MedicationStatement); the patient exports the record as FHIR.");
        outcome.FhirRoundTripped = await FhirRoundTripAsync(doctorA, patient, recordId, outcome, cancellationToken).ConfigureAwait(false);

        say("5. dr-bob, who holds no grant, tries to read and to write the record.");
        outcome.DoctorBReadRefused = await RefusedRead(doctorB, recordId, "   dr-bob reads", cancellationToken).ConfigureAwait(false);
        // dr-bob holds no key to the record, so he encrypts under one of his own making.
        var madeUp = RecordKeyRing.FromKey(recordId, 0, Core.Crypto.ContentCipher.GenerateKey());
        outcome.DoctorBWriteRefused = await Refused(doctorB, doctorB.Client.AppendEntries(madeUp, [Entry(EntryKind.Note, "I should not be here")]), "   dr-bob appends", cancellationToken).ConfigureAwait(false);

        say("6. The patient revokes dr-alice; the record's key is rotated for what is written next, and her profile key is withdrawn.");
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

        say("7. The patient reads the record and its history.");
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

        say("8. Every node holds the same chain.");
        outcome.HeadHashes = await HeadsAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
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
    public bool FhirRoundTripped { get; set; }

    /// <summary>Every profile field and entry text the walk-through wrote: none of it may be on a node's disk in clear.</summary>
    public List<string> ClearTexts { get; } = [];

    public List<string> ParticipantIds { get; } = [];
    public string RecordId { get; set; } = "";
    public int PatientReadEntries { get; set; }
    public int HistoryChanges { get; set; }
    public IReadOnlyList<string> HeadHashes { get; set; } = [];

    public bool AllNodesAgree => HeadHashes.Count > 0 && HeadHashes.Distinct().Count() == 1;

    public bool Succeeded =>
        LabRefusedDiagnosis is not null && DoctorBReadRefused is not null && DoctorBWriteRefused is not null
        && RevokedDoctorWriteRefused is not null && RevokedDoctorReadRefused is not null && RevokedDoctorCannotDecrypt
        && DoctorASawPatientName && DoctorBSawProfileSealed && RevokedDoctorLostProfileKey && FhirRoundTripped && AllNodesAgree;
}
