using EhrChain.Cli.Client;
using EhrChain.Contracts.Client;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Cli.Demo;

/// <summary>
/// The design's scenario through the public API: the Admin enrols a patient, two doctors and a
/// laboratory; the patient creates a record and grants doctor A and the lab; both write; doctor B
/// is refused; the patient revokes doctor A, who is then refused and cannot decrypt what is written
/// afterwards; the patient reads the history; every node holds the same head. Each participant
/// talks to a different node, so every step also crosses the network.
/// </summary>
internal sealed class DemoScenario(IReadOnlyList<NodeTarget> nodes, KeyFile admin, string keysDirectory, Action<string> say, TimeSpan timeout)
{
    private const string RecordId = "rec-ada-001";

    // Every participant sees every earlier step, whichever node they talk to.
    private readonly ConsistencyToken _token = new();

    public async Task<DemoOutcome> RunAsync(CancellationToken cancellationToken)
    {
        var outcome = new DemoOutcome();
        var patientKeys = NewKeys("pat-ada", KeyRole.Patient);
        var doctorAKeys = NewKeys("dr-alice", KeyRole.Doctor);
        var doctorBKeys = NewKeys("dr-bob", KeyRole.Doctor);
        var labKeys = NewKeys("lab-city", KeyRole.Laboratory);

        using var adminSession = await Open(admin, 0, cancellationToken).ConfigureAwait(false);
        say($"1. The Admin '{admin.Id}' enrols a patient, two doctors and a laboratory (via {nodes[0]}).");
        await Enrol(adminSession, patientKeys, new Profile { Name = "Ada Lovelace" }, cancellationToken).ConfigureAwait(false);
        await Enrol(adminSession, doctorAKeys, new Profile { Name = "Dr Alice Moreau", Doctor = new DoctorProfile { LicenceNumber = "GMC-7001", Specialty = "Cardiology", Organisation = "St Mary's Hospital" } }, cancellationToken).ConfigureAwait(false);
        await Enrol(adminSession, doctorBKeys, new Profile { Name = "Dr Bob Okafor", Doctor = new DoctorProfile { LicenceNumber = "GMC-7002", Specialty = "General practice", Organisation = "Riverside Clinic" } }, cancellationToken).ConfigureAwait(false);
        await Enrol(adminSession, labKeys, new Profile { Name = "City Laboratory", Laboratory = new LaboratoryProfile { Organisation = "City Labs Ltd", Accreditation = "ISO 15189" } }, cancellationToken).ConfigureAwait(false);

        using var patient = await Open(patientKeys, 1, cancellationToken).ConfigureAwait(false);
        using var doctorA = await Open(doctorAKeys, 2, cancellationToken).ConfigureAwait(false);
        using var doctorB = await Open(doctorBKeys, 3, cancellationToken).ConfigureAwait(false);
        using var lab = await Open(labKeys, 0, cancellationToken).ConfigureAwait(false);

        say($"2. The patient creates record '{RecordId}' with an allergy, and grants dr-alice (read-write) and lab-city.");
        var created = patient.Client.CreateMedicalRecord(RecordId, [Entry(EntryKind.Allergy, "Penicillin: anaphylaxis (2019)")]);
        await Commit(patient, created.Transaction, "   record created", cancellationToken).ConfigureAwait(false);
        await Commit(patient, patient.Client.GrantAccess(created.Keys, await patient.KeyHolderAsync(doctorAKeys.Id, cancellationToken).ConfigureAwait(false), Permission.ReadWrite), "   dr-alice granted", cancellationToken).ConfigureAwait(false);
        await Commit(patient, patient.Client.GrantAccessToLab(created.Keys, await patient.KeyHolderAsync(labKeys.Id, cancellationToken).ConfigureAwait(false)), "   lab-city granted", cancellationToken).ConfigureAwait(false);

        say("3. dr-alice adds a consultation and a diagnosis; lab-city adds results.");
        var aliceKeys = await doctorA.RecordKeysAsync(RecordId, cancellationToken).ConfigureAwait(false);
        await Commit(doctorA, doctorA.Client.AppendEntries(aliceKeys, [Entry(EntryKind.Consultation, "Chest pain on exertion; ECG ordered"), Entry(EntryKind.Diagnosis, "Stable angina")]), "   dr-alice's entries appended", cancellationToken).ConfigureAwait(false);
        var labRing = await lab.RecordKeysAsync(RecordId, cancellationToken).ConfigureAwait(false);
        await Commit(lab, lab.Client.AppendEntries(labRing, [Entry(EntryKind.LabResult, "Troponin I < 0.01 ng/mL (normal)")]), "   lab-city's result appended", cancellationToken).ConfigureAwait(false);
        outcome.LabRefusedDiagnosis = await Refused(lab, lab.Client.AppendEntries(labRing, [Entry(EntryKind.Diagnosis, "Myocardial infarction")]), "   lab-city tries to add a diagnosis", cancellationToken).ConfigureAwait(false);

        say("4. dr-bob, who holds no grant, tries to read and to write the record.");
        outcome.DoctorBReadRefused = await RefusedRead(doctorB, "   dr-bob reads", cancellationToken).ConfigureAwait(false);
        // dr-bob holds no key to the record, so he encrypts under one of his own making.
        var madeUp = RecordKeyRing.FromKey(RecordId, 0, Core.Crypto.ContentCipher.GenerateKey());
        outcome.DoctorBWriteRefused = await Refused(doctorB, doctorB.Client.AppendEntries(madeUp, [Entry(EntryKind.Note, "I should not be here")]), "   dr-bob appends", cancellationToken).ConfigureAwait(false);

        say("5. The patient revokes dr-alice; the record's key is rotated for what is written next.");
        var remaining = await patient.RemainingGranteesAsync(RecordId, doctorAKeys.Id, cancellationToken).ConfigureAwait(false);
        var ownerKeys = await patient.RecordKeysAsync(RecordId, cancellationToken).ConfigureAwait(false);
        var revoked = patient.Client.RevokeAccess(ownerKeys, doctorAKeys.Id, remaining);
        await Commit(patient, revoked.Transaction, "   dr-alice revoked", cancellationToken).ConfigureAwait(false);
        outcome.RevokedDoctorWriteRefused = await Refused(doctorA, doctorA.Client.AppendEntriesAtEpoch(aliceKeys, aliceKeys.CurrentEpoch, [Entry(EntryKind.Note, "After revocation")]), "   dr-alice appends", cancellationToken).ConfigureAwait(false);
        await Commit(patient, patient.Client.AppendEntries(revoked.Keys, [Entry(EntryKind.Note, "Moving to another cardiologist")]), "   the patient adds a note under the new key", cancellationToken).ConfigureAwait(false);
        outcome.RevokedDoctorReadRefused = await RefusedRead(doctorA, "   dr-alice reads", cancellationToken).ConfigureAwait(false);
        var ownerView = await patient.RecordAsync(RecordId, cancellationToken).ConfigureAwait(false);
        var newest = ownerView.Entries[^1];
        var withOldKeys = EhrClient.Decrypt(aliceKeys, newest);
        outcome.RevokedDoctorCannotDecrypt = !withOldKeys.IsReadable;
        say($"   with every key she held, dr-alice decrypts the new note: {(withOldKeys.IsReadable ? "YES (unexpected)" : "no")} ({withOldKeys.Problem ?? "readable"})");

        say("6. The patient reads the record and its history.");
        foreach (var entry in patient.Client.Decrypt(ownerView))
        {
            say($"   #{entry.Entry.Index} {entry.Entry.Kind,-13} by {entry.Entry.AuthorId,-9} epoch {entry.Entry.KeyEpoch}: {(entry.IsReadable ? System.Text.Encoding.UTF8.GetString(entry.Content!) : entry.Problem)}");
        }
        outcome.PatientReadEntries = ownerView.Entries.Count;
        var history = await patient.HistoryAsync(RecordId, cancellationToken).ConfigureAwait(false);
        foreach (var change in history.Changes)
        {
            say($"   block {change.Height,3}: {change.Kind} by {change.AuthorId}{(change.GranteeId.Length > 0 ? " for " + change.GranteeId : "")}");
        }
        outcome.HistoryChanges = history.Changes.Count;

        say("7. Every node holds the same chain.");
        outcome.HeadHashes = await HeadsAsync(cancellationToken).ConfigureAwait(false);
        return outcome;
    }

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

    private KeyFile NewKeys(string id, KeyRole role)
    {
        var keys = KeyFile.Generate(id, role);
        keys.Save(Path.Combine(keysDirectory, $"{id}.key.json"));
        return keys;
    }

    private Task<LedgerSession> Open(KeyFile keys, int node, CancellationToken cancellationToken) =>
        LedgerSession.OpenAsync(nodes[node % nodes.Count], keys, timeout, _token, cancellationToken);

    private async Task Enrol(LedgerSession admin, KeyFile keys, Profile profile, CancellationToken cancellationToken)
    {
        var response = await admin.SubmitAsync(admin.Client.AddParticipant(keys, profile), wait: true, cancellationToken).ConfigureAwait(false);
        say($"   {keys.Role.ToString().ToLowerInvariant(),-10} {keys.Id,-9} enrolled in block {response.Receipt.Height}");
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

    private async Task<string?> RefusedRead(LedgerSession session, string what, CancellationToken cancellationToken)
    {
        try
        {
            var view = await session.RecordAsync(RecordId, cancellationToken).ConfigureAwait(false);
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
    public int PatientReadEntries { get; set; }
    public int HistoryChanges { get; set; }
    public IReadOnlyList<string> HeadHashes { get; set; } = [];

    public bool AllNodesAgree => HeadHashes.Count > 0 && HeadHashes.Distinct().Count() == 1;

    public bool Succeeded =>
        LabRefusedDiagnosis is not null && DoctorBReadRefused is not null && DoctorBWriteRefused is not null
        && RevokedDoctorWriteRefused is not null && RevokedDoctorReadRefused is not null && RevokedDoctorCannotDecrypt && AllNodesAgree;
}
