using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>
/// "Who read my record" on four real nodes: each node logs the reads of content it answered in
/// node-signed transactions, and every node ends up with the same log, in the order of the reads.
/// </summary>
[NonParallelizable]
public sealed class AccessLogClusterTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly List<LedgerSession> _sessions = [];
    private TestCluster _cluster = null!;
    private ConsistencyToken _token = null!;

    // A fresh token per test: each test runs its own cluster, from height 0.
    [SetUp]
    public void NewToken() => _token = new ConsistencyToken();

    [TearDown]
    public async Task StopCluster()
    {
        foreach (var session in _sessions)
        {
            session.Dispose();
        }
        _sessions.Clear();
        await _cluster.DisposeAsync();
    }

    private async Task<LedgerSession> Open(int node, KeyFile keys)
    {
        var session = await LedgerSession.OpenAsync(_cluster.Addresses[node], keys, Timeout, _token, CancellationToken.None);
        _sessions.Add(session);
        return session;
    }

    private static Profile Provider(string name, ParticipantRole role) => role == ParticipantRole.Laboratory
        ? new() { Name = name, Laboratory = new LaboratoryProfile { Organisation = "Labs", Accreditation = "ISO 15189" } }
        : new() { Name = name, Doctor = new DoctorProfile { LicenceNumber = "L-" + name, Specialty = "GP", Organisation = "O" } };

    /// <summary>A patient with a record granted to two doctors and a laboratory; dr-mallory holds no grant.</summary>
    private async Task<(KeyFile Alice, KeyFile Bob, KeyFile Eve, KeyFile Lab, KeyFile Mallory, RecordKeyRing Record)> Enrol()
    {
        var admin = await Open(0, _cluster.Admin);
        var alice = KeyFile.Generate("alice", KeyRole.Patient);
        var bob = KeyFile.Generate("dr-bob", KeyRole.Doctor);
        var eve = KeyFile.Generate("dr-eve", KeyRole.Doctor);
        var lab = KeyFile.Generate("lab-1", KeyRole.Laboratory);
        var mallory = KeyFile.Generate("dr-mallory", KeyRole.Doctor);
        await admin.SubmitAsync(admin.Client.AddParticipant(alice, new Profile { Name = "Alice" }), wait: true, CancellationToken.None);
        foreach (var (keys, role) in new[] { (bob, ParticipantRole.Doctor), (eve, ParticipantRole.Doctor), (lab, ParticipantRole.Laboratory), (mallory, ParticipantRole.Doctor) })
        {
            await admin.SubmitAsync(admin.Client.AddParticipant(keys, Provider(keys.Id, role)), wait: true, CancellationToken.None);
        }
        var patient = await Open(1, alice);
        var created = patient.Client.CreateMedicalRecord("rec-1", [new PlainEntry(EntryKind.Allergy, "Latex"u8.ToArray())]);
        await patient.SubmitAsync(created.Transaction, wait: true, CancellationToken.None);
        await patient.SubmitAsync(patient.Client.GrantAccess(created.Keys, await patient.KeyHolderAsync("dr-bob", CancellationToken.None), Permission.ReadWrite), wait: true, CancellationToken.None);
        await patient.SubmitAsync(patient.Client.GrantAccess(created.Keys, await patient.KeyHolderAsync("dr-eve", CancellationToken.None), Permission.Read), wait: true, CancellationToken.None);
        await patient.SubmitAsync(patient.Client.GrantAccessToLab(created.Keys, await patient.KeyHolderAsync("lab-1", CancellationToken.None)), wait: true, CancellationToken.None);
        return (alice, bob, eve, lab, mallory, created.Keys);
    }

    /// <summary>The log as the owner reads it through <paramref name="owner"/>'s node, once it holds <paramref name="count"/> entries.</summary>
    private static async Task<AccessLog> LogWithAsync(LedgerSession owner, int count)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var log = await owner.AccessLogAsync("rec-1", CancellationToken.None);
            if (log.Records.Count >= count || DateTime.UtcNow > deadline)
            {
                return log;
            }
            await Task.Delay(100);
        }
    }

    private static (string Reader, string Node, AccessBasis Basis, AccessKind Kind) Row(AccessLogRecord r) =>
        (r.Entry.ReaderId, r.Entry.NodeId, r.Entry.Basis, r.Entry.Kind);

    [Test]
    public async Task The_log_lists_exactly_the_reads_of_two_doctors_a_lab_and_the_owner_in_order_on_every_node()
    {
        _cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["AccessLog:FlushInterval"] = "00:00:00.200" });
        var (aliceKeys, bobKeys, eveKeys, labKeys, malloryKeys, _) = await Enrol();
        var owner = await Open(0, aliceKeys);

        // Each read waits for its entry before the next, so the chain's order is the order of the reads.
        var bob = await Open(1, bobKeys);
        var bobRing = await bob.RecordKeysAsync("rec-1", CancellationToken.None);
        await LogWithAsync(owner, 1);
        await (await Open(2, eveKeys)).RecordAsync("rec-1", CancellationToken.None);
        await LogWithAsync(owner, 2);
        await (await Open(3, labKeys)).RecordAsync("rec-1", CancellationToken.None);
        await LogWithAsync(owner, 3);

        // Not reads of content: an Admin's metadata, a refused read, a validator's whole block, the history.
        await (await Open(3, _cluster.Admin)).RecordAsync("rec-1", CancellationToken.None);
        var refused = Assert.ThrowsAsync<RpcException>(async () => await (await Open(2, malloryKeys)).RecordAsync("rec-1", CancellationToken.None));
        await owner.HistoryAsync("rec-1", CancellationToken.None);
        var appended = await bob.SubmitAsync(bob.Client.AppendEntries(bobRing, [new PlainEntry(EntryKind.Diagnosis, "Angina"u8.ToArray())]), wait: true, CancellationToken.None);
        var validator = new EhrClient(_cluster.ValidatorKey(0), GenesisFile.Load(Path.Combine(_cluster.Directory, "genesis.json")).ChainId, TimeProvider.System);
        await _cluster.Client(2).GetBlockAsync(new GetBlockRequest { Height = appended.Receipt.Height, Auth = validator.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = appended.Receipt.Height } }) });

        // The owner's chain read of the block holding dr-bob's entry is a read of content, through node-0.
        var block = await _cluster.Client(0).GetBlockAsync(new GetBlockRequest
        {
            Height = appended.Receipt.Height,
            Auth = owner.Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = appended.Receipt.Height } }),
        });
        var log = await LogWithAsync(owner, 4);
        await Task.Delay(1000);
        log = await LogWithAsync(owner, 4);
        await _cluster.WaitForAgreementAsync(log.Records.Max(r => r.Height), Timeout);
        var perNode = new List<AccessLog>();
        for (var i = 0; i < 4; i++)
        {
            perNode.Add(await (await Open(i, aliceKeys)).AccessLogAsync("rec-1", CancellationToken.None));
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(block.Filtered.Transactions, Has.Count.EqualTo(1));
            Assert.That(log.Records.Select(Row), Is.EqualTo(new[]
            {
                ("dr-bob", "node-1", AccessBasis.Grant, AccessKind.GetRecord),
                ("dr-eve", "node-2", AccessBasis.Grant, AccessKind.GetRecord),
                ("lab-1", "node-3", AccessBasis.Grant, AccessKind.GetRecord),
                ("alice", "node-0", AccessBasis.Owner, AccessKind.ChainRead),
            }));
            Assert.That(log.Records.Select(r => r.Entry.ReadUnixMs), Is.Ordered);
            foreach (var other in perNode)
            {
                Assert.That(other.Records, Is.EqualTo(log.Records), "every node holds the same log");
            }
            foreach (var record in log.Records)
            {
                var keys = new[] { aliceKeys, bobKeys, eveKeys, labKeys }.Single(k => k.Id == record.Entry.ReaderId);
                var evidence = SignedReadRequest.Parser.ParseFrom(record.Entry.ReadRequest);
                Assert.That(keys.Signing.PublicKey.Verify(SigningDomain.ReadRequest, evidence.Request.Span, evidence.Signature.Span), Is.True,
                    "each entry carries the reader's own signed request");
            }
        }

        var bobsView = await bob.AccessLogAsync("rec-1", CancellationToken.None);
        var adminRefused = Assert.ThrowsAsync<RpcException>(async () => await (await Open(1, _cluster.Admin)).AccessLogAsync("rec-1", CancellationToken.None));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(bobsView.Records.Select(r => r.Entry.ReaderId), Is.EqualTo(new[] { "dr-bob" }));
            Assert.That(adminRefused!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
        }
    }

    [Test]
    public async Task Reads_answered_before_a_restart_reach_the_chain_after_it()
    {
        // Nothing is flushed while the node runs: only what it kept on disk can reach the chain.
        _cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?> { ["AccessLog:FlushInterval"] = "00:10:00" });
        var (aliceKeys, bobKeys, _, labKeys, _, _) = await Enrol();
        await (await Open(1, bobKeys)).RecordAsync("rec-1", CancellationToken.None);
        await (await Open(1, labKeys)).RecordAsync("rec-1", CancellationToken.None);
        var owner = await Open(0, aliceKeys);
        var before = await owner.AccessLogAsync("rec-1", CancellationToken.None);

        await _cluster.StopNodeAsync(1);
        await _cluster.StartNodeAsync(1);
        var after = await LogWithAsync(owner, 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.Records, Is.Empty);
            Assert.That(after.Records.Select(Row), Is.EqualTo(new[]
            {
                ("dr-bob", "node-1", AccessBasis.Grant, AccessKind.GetRecord),
                ("lab-1", "node-1", AccessBasis.Grant, AccessKind.GetRecord),
            }));
        }
    }
}
