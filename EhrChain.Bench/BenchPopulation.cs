using System.Globalization;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Bench;

/// <summary>A record the benchmark writes to, with its owner, the provider it involves and its key ring.</summary>
internal sealed record BenchRecord(string Id, EhrClient Owner, EhrClient Provider, KeyHolder ProviderHolder, bool ProviderIsLab, RecordKeyRing Keys);

/// <summary>
/// The participants and records a run needs, created through the API before the timed window:
/// the Admin enrols patients, doctors and laboratories; each patient creates records. Records
/// that take appends grant a doctor read-write access, so appends alternate between the owner
/// and a doctor writing under a grant; records for the grant mix start with no grant.
/// Ids carry a tag unique to the run, so runs against the same cluster never collide.
/// </summary>
internal sealed class BenchPopulation
{
    private const int SetupParallelism = 64;

    private BenchPopulation(string tag, IReadOnlyList<BenchRecord> appendRecords, IReadOnlyList<BenchRecord> grantRecords, int participants)
    {
        Tag = tag;
        AppendRecords = appendRecords;
        GrantRecords = grantRecords;
        Participants = participants;
    }

    public string Tag { get; }
    public IReadOnlyList<BenchRecord> AppendRecords { get; }
    public IReadOnlyList<BenchRecord> GrantRecords { get; }
    public int Participants { get; }

    public static async Task<BenchPopulation> CreateAsync(
        Ledger.LedgerClient ledger, KeyFile admin, string chainId, EmergencyEscrow? escrow, int appendRecords, int grantRecords, Action<string> say, CancellationToken cancellationToken)
    {
        var tag = "b" + DateTime.UtcNow.ToString("MMddHHmmss", CultureInfo.InvariantCulture) + Random.Shared.Next(0x100, 0x1000).ToString("x", CultureInfo.InvariantCulture);
        var records = appendRecords + grantRecords;
        var patientCount = Math.Clamp(records / 4, 1, 256);
        var doctorCount = Math.Clamp(records / 16, 1, 32);
        var labCount = Math.Clamp(records / 32, 1, 16);
        var patients = Enumerable.Range(0, patientCount).Select(i => KeyFile.Generate($"{tag}-p{i}", KeyRole.Patient)).ToList();
        var doctors = Enumerable.Range(0, doctorCount).Select(i => KeyFile.Generate($"{tag}-d{i}", KeyRole.Doctor)).ToList();
        var labs = Enumerable.Range(0, labCount).Select(i => KeyFile.Generate($"{tag}-l{i}", KeyRole.Laboratory)).ToList();

        var adminClient = new EhrClient(admin, chainId, TimeProvider.System);
        say($"Enrolling {patientCount} patients, {doctorCount} doctors and {labCount} laboratories...");
        var enrolments = patients.Select(p => adminClient.AddParticipant(p, new Profile { Name = p.Id }))
            .Concat(doctors.Select(d => adminClient.AddParticipant(d, new Profile
            {
                Name = d.Id,
                Doctor = new DoctorProfile { LicenceNumber = "LIC-" + d.Id, Specialty = "general practice", Organisation = "bench hospital" },
            })))
            .Concat(labs.Select(l => adminClient.AddParticipant(l, new Profile
            {
                Name = l.Id,
                Laboratory = new LaboratoryProfile { Organisation = "bench laboratory", Accreditation = "ISO 15189" },
            })));
        await SubmitAndWaitAllAsync(ledger, enrolments.ToList(), cancellationToken).ConfigureAwait(false);

        // Patients escrow every new record key (and each rotation's) to the network's emergency trustees, as real clients do.
        var patientClients = patients.Select(p => new EhrClient(p, chainId, TimeProvider.System, escrow: escrow)).ToList();
        var doctorClients = doctors.Select(d => new EhrClient(d, chainId, TimeProvider.System)).ToList();
        var labClients = labs.Select(l => new EhrClient(l, chainId, TimeProvider.System)).ToList();

        say($"Creating {records} records...");
        var creations = Enumerable.Range(0, records)
            .Select(i => patientClients[i % patientCount].CreateMedicalRecord($"{tag}-r{i}"))
            .ToList();
        await SubmitAndWaitAllAsync(ledger, creations.Select(c => c.Transaction).ToList(), cancellationToken).ConfigureAwait(false);

        var built = creations.Select((creation, i) =>
        {
            var owner = patientClients[i % patientCount];
            // Grant records alternate between a doctor and a laboratory, so both kinds of grant and revocation run.
            var isLab = i >= appendRecords && (i - appendRecords) % 2 == 1;
            var provider = isLab ? labClients[i % labCount] : doctorClients[i % doctorCount];
            return new BenchRecord(creation.Keys.RecordId, owner, provider, provider.AsKeyHolder(), isLab, creation.Keys);
        }).ToList();
        var appendSet = built.Take(appendRecords).ToList();
        var grantSet = built.Skip(appendRecords).ToList();

        if (appendSet.Count > 0)
        {
            say($"Granting doctors read-write access to {appendSet.Count} records...");
            var grants = appendSet.Select(r => r.Owner.GrantAccess(r.Keys, r.ProviderHolder, Permission.ReadWrite)).ToList();
            await SubmitAndWaitAllAsync(ledger, grants, cancellationToken).ConfigureAwait(false);
        }
        return new BenchPopulation(tag, appendSet, grantSet, patientCount + doctorCount + labCount);
    }

    /// <summary>Submits every setup transaction, waiting for each commit; the run cannot start if any is refused.</summary>
    private static async Task SubmitAndWaitAllAsync(Ledger.LedgerClient ledger, IReadOnlyList<SignedTransaction> transactions, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(SetupParallelism);
        var tasks = transactions.Select(async tx =>
        {
            await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await ledger.SubmitAsync(new SubmitRequest { Transaction = tx, Wait = true }, deadline: DateTime.UtcNow.AddSeconds(90), cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RpcException e)
            {
                throw new BenchSetupException($"setting up the benchmark failed: {RpcErrors.ReasonOf(e)}: {e.Status.Detail}");
            }
            finally
            {
                gate.Release();
            }
        });
        await Task.WhenAll(tasks).ConfigureAwait(false);
    }
}
