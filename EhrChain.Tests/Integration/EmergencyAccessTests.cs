using System.Text;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>
/// A whole break-glass on four real nodes over gRPC: the doctor's one transaction opens it, the
/// nodes release their organisations' shares by themselves, the doctor decrypts, the patient
/// sees every step, an auditor reviews it.
/// </summary>
[NonParallelizable]
public sealed class EmergencyAccessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task A_break_glass_is_opened_released_by_the_nodes_read_seen_by_the_patient_and_reviewed()
    {
        await using var cluster = await TestCluster.StartAsync();
        var token = new ConsistencyToken();
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, token, CancellationToken.None);
        var patientKeys = KeyFile.Generate("p-ada", KeyRole.Patient);
        var doctorKeys = KeyFile.Generate("p-eve", KeyRole.Doctor);
        var auditorKeys = KeyFile.Generate("p-audit", KeyRole.Auditor);
        foreach (var keys in new[] { patientKeys, doctorKeys, auditorKeys })
        {
            await admin.SubmitAsync(admin.Client.AddParticipant(keys, new Profile { Name = keys.Id }), wait: true, CancellationToken.None);
        }
        using var patient = await LedgerSession.OpenAsync(cluster.Addresses[1], patientKeys, Timeout, token, CancellationToken.None);
        using var doctor = await LedgerSession.OpenAsync(cluster.Addresses[2], doctorKeys, Timeout, token, CancellationToken.None);
        using var auditor = await LedgerSession.OpenAsync(cluster.Addresses[3], auditorKeys, Timeout, token, CancellationToken.None);
        var created = patient.Client.CreateMedicalRecord("r-ada", [new PlainEntry(EntryKind.Allergy, Encoding.UTF8.GetBytes("Penicillin"))]);
        await patient.SubmitAsync(created.Transaction, wait: true, CancellationToken.None);

        var open = doctor.Client.OpenEmergency("r-ada", "Unconscious in the emergency department, no consent possible");
        await doctor.SubmitAsync(open, wait: true, CancellationToken.None);
        var emergencyId = "em-" + EhrChain.Core.Chain.TransactionIds.OfPayload(open.Payload.Span).ToString()[..20];

        var keysAsDoctor = await WaitForKeysAsync(doctor, "r-ada");
        var record = await doctor.RecordAsync("r-ada", CancellationToken.None);
        var history = await patient.HistoryAsync("r-ada", CancellationToken.None);
        var asAdmin = await admin.RecordAsync("r-ada", CancellationToken.None);
        var unreviewed = await auditor.EmergenciesAsync(new ListEmergenciesQuery { Unreviewed = true }, CancellationToken.None);

        await auditor.SubmitAsync(auditor.Client.ReviewEmergency(emergencyId, EmergencyOutcome.Justified, "Trauma team lead confirmed the admission."), wait: true, CancellationToken.None);
        var afterReview = await auditor.EmergenciesAsync(new ListEmergenciesQuery { Unreviewed = true }, CancellationToken.None);
        var lastChange = (await patient.HistoryAsync("r-ada", CancellationToken.None)).Changes.Last();
        var readAfterReview = Assert.ThrowsAsync<RpcException>(() => doctor.RecordAsync("r-ada", CancellationToken.None));
        var tooLong = Assert.ThrowsAsync<RpcException>(() => doctor.SubmitAsync(doctor.Client.OpenEmergency("r-ada", "again", TimeSpan.FromHours(25)), wait: true, CancellationToken.None));
        var adminRelease = admin.Client.Sign(p => p.EmergencyRelease = new EmergencyRelease { EmergencyId = emergencyId });
        var notTrustee = Assert.ThrowsAsync<RpcException>(() => admin.SubmitAsync(adminRelease, wait: true, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(record.Entries.Select(e => EhrClient.Decrypt(keysAsDoctor, e).Content).Select(c => c is null ? null : Encoding.UTF8.GetString(c)),
                Is.EqualTo(new[] { "Penicillin" }));
            Assert.That(history.Changes.Count(c => c.Kind == ChangeKind.EmergencyOpened && c.EmergencyId == emergencyId), Is.EqualTo(1));
            Assert.That(history.Changes.Count(c => c.Kind == ChangeKind.EmergencyReleased), Is.GreaterThanOrEqualTo(2));
            Assert.That(asAdmin.Entries, Is.Empty, "the Admin reads metadata only");
            Assert.That(asAdmin.ReaderKeys, Is.Empty);
            Assert.That(unreviewed.Emergencies.Select(e => e.Emergency.Id), Does.Contain(emergencyId));
            Assert.That(afterReview.Emergencies.Select(e => e.Emergency.Id), Does.Not.Contain(emergencyId));
            Assert.That(lastChange.Kind, Is.EqualTo(ChangeKind.EmergencyClosed));
            Assert.That(lastChange.EmergencyOutcome, Is.EqualTo(EmergencyOutcome.Justified));
            Assert.That(readAfterReview?.StatusCode, Is.EqualTo(StatusCode.PermissionDenied), "a reviewed emergency is closed");
            Assert.That(tooLong?.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(tooLong?.Status.Detail, Does.Contain("maximum of 24 h"));
            Assert.That(notTrustee?.StatusCode, Is.EqualTo(StatusCode.Unauthenticated), "admission refuses a release not signed by a trustee");
            Assert.That(RpcErrors.ReasonOf(notTrustee!), Is.EqualTo("UNKNOWN_SIGNER"));
        }
    }

    /// <summary>The releases are the nodes' own transactions, committed a block or two after the opening.</summary>
    private static async Task<RecordKeyRing> WaitForKeysAsync(LedgerSession doctor, string recordId)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (await doctor.EmergencyKeysAsync(recordId, CancellationToken.None) is { } keys)
            {
                return keys;
            }
            await Task.Delay(200);
        }
        throw new TimeoutException("No two trustees released their shares within 30 s.");
    }
}
