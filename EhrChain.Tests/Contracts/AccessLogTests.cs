using EhrChain.Contracts.Queries;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

/// <summary>
/// The access log: a validator records the reads of record content it answered; the executor
/// takes only its own answers, about readers and records that exist; the owner reads the log,
/// a reader only their own reads, an Admin never; participants' chain reads never show it.
/// </summary>
public sealed class AccessLogTests
{
    private ValidatorNetwork _chain = null!;
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _carol = null!;
    private Actor _drBob = null!;
    private Actor _drEve = null!;
    private Actor _lab = null!;
    private Actor _auditor = null!;
    private TestRecord _aliceRecord = null!;
    private TestRecord _carolRecord = null!;

    [SetUp]
    public void SetUp()
    {
        _chain = new ValidatorNetwork(4);
        _net = _chain.Net;
        _alice = _net.Patient("alice");
        _carol = _net.Patient("carol");
        _drBob = _net.Doctor("dr-bob");
        _drEve = _net.Doctor("dr-eve");
        _lab = _net.Laboratory("lab-1");
        _auditor = _net.Enrol("auditor-1", KeyRole.Auditor);
        _aliceRecord = _net.RecordOf(_alice, "rec-alice", Entries.Allergy("penicillin"));
        _carolRecord = _net.RecordOf(_carol, "rec-carol", Entries.Allergy("latex"));
        _net.GrantDoctor(_aliceRecord, _drBob);
        _net.GrantLab(_aliceRecord, _lab);
    }

    [TearDown]
    public void TearDown() => _chain.Dispose();

    private static ReadQuery LogOf(string recordId) => new() { GetAccessLog = new GetAccessLogQuery { RecordId = recordId } };

    /// <summary>The entry a node answering <paramref name="reader"/>'s GetRecord would log, or null when it reveals no content.</summary>
    private AccessLogEntry? ReadBy(Actor reader, TestRecord record, string nodeId = "node-1")
    {
        using var view = _net.Store.OpenView();
        return AccessLogEntries.ForRecordRead(view, record.Id, reader.Id, _net.Clock.GetUtcNow(), AccessKind.GetRecord, reader.Client.Read(Query.Record(record.Id)), nodeId);
    }

    private SignedTransaction LogBy(string validatorId, params AccessLogEntry[] entries) =>
        _chain.SignBy(validatorId, p => p.RecordAccessLog = new RecordAccessLog { Entries = { entries } });

    private List<AccessLogRecord> LogAsOwner(TestRecord record)
    {
        var response = _net.Read(record.Owner, LogOf(record.Id));
        Assert.That(response.Status, Is.EqualTo(ReadStatus.Ok), response.Reason);
        return [.. response.AccessLog.Records];
    }

    [Test]
    public void A_validator_records_the_reads_it_answered_and_the_owner_sees_them_in_chain_order()
    {
        var owner = ReadBy(_alice, _aliceRecord)!;
        var doctor = ReadBy(_drBob, _aliceRecord)!;
        var lab = ReadBy(_lab, _aliceRecord, "node-2")!;

        var first = _net.Commit(LogBy("node-1", owner, doctor));
        var second = _net.CommitOne(LogBy("node-2", lab));

        var log = LogAsOwner(_aliceRecord);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.Results.Single().Code, Is.EqualTo(TxResultCode.Ok), first.Results.Single().Reason);
            Assert.That(second.Code, Is.EqualTo(TxResultCode.Ok), second.Reason);
            Assert.That(log.Select(r => (r.Entry.ReaderId, r.Entry.NodeId, r.Entry.Basis)), Is.EqualTo(new[]
            {
                ("alice", "node-1", AccessBasis.Owner),
                ("dr-bob", "node-1", AccessBasis.Grant),
                ("lab-1", "node-2", AccessBasis.Grant),
            }));
            Assert.That(log.Select(r => (r.Height, r.Index)), Is.EqualTo(new[] { (first.Header.Height, 0u), (first.Header.Height, 1u), (first.Header.Height + 1, 0u) }));
            Assert.That(log[1].Entry.Grant.GrantedAtEpoch, Is.Zero);
            Assert.That(log[1].Entry.Grant.GrantedUnixMs, Is.GreaterThan(0));
            Assert.That(log[1].Entry.ReadRequest, Is.EqualTo(doctor.ReadRequest), "the reader's signed request travels as evidence");
            Assert.That(log[0].TxId, Is.EqualTo(log[1].TxId));
        }
    }

    [Test]
    public void A_read_that_reveals_no_content_leaves_no_entry()
    {
        var admin = ReadBy(_net.Admin, _aliceRecord);
        var stranger = ReadBy(_drEve, _aliceRecord);
        var missing = ReadBy(_alice, new TestRecord(_alice, EhrChain.Client.RecordKeyRing.FromKey("rec-none", 0, new byte[32])));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(admin, Is.Null, "an Admin's GetRecord is metadata only");
            Assert.That(stranger, Is.Null);
            Assert.That(missing, Is.Null);
        }
    }

    [Test]
    public void A_read_under_an_expired_grant_leaves_no_entry()
    {
        _net.GrantDoctor(_carolRecord, _drEve, expires: _net.Clock.GetUtcNow().AddMinutes(5));
        _net.Clock.Advance(TimeSpan.FromMinutes(6));

        Assert.That(ReadBy(_drEve, _carolRecord), Is.Null);
    }

    [Test]
    public void An_access_log_from_a_participant_or_an_outsider_is_refused_and_writes_nothing()
    {
        var entry = ReadBy(_drBob, _aliceRecord)!;
        var byAdmin = _net.CommitOne(_net.Admin.Client.Sign(p => p.RecordAccessLog = new RecordAccessLog { Entries = { entry } }));
        _chain.NewNode("outsider");
        var outsiderEntry = entry.Clone();
        outsiderEntry.NodeId = "outsider";
        var byOutsider = _net.CommitOne(LogBy("outsider", outsiderEntry));
        var forger = new EhrChain.Client.EhrClient(KeyFile.Generate("node-1", KeyRole.Validator), TestNetwork.ChainId, _net.Clock);
        var forged = _net.CommitOne(forger.Sign(p => p.RecordAccessLog = new RecordAccessLog { Entries = { entry } }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byAdmin.Code, Is.EqualTo(TxResultCode.UnknownSigner));
            Assert.That(byOutsider.Code, Is.EqualTo(TxResultCode.UnknownSigner));
            Assert.That(forged.Code, Is.EqualTo(TxResultCode.BadSignature));
            Assert.That(LogAsOwner(_aliceRecord), Is.Empty);
        }
    }

    [Test]
    public void An_entry_naming_another_node_as_the_one_that_answered_is_refused()
    {
        var honest = ReadBy(_alice, _aliceRecord, "node-1")!;
        var other = ReadBy(_drBob, _aliceRecord, "node-2")!;

        var result = _net.CommitOne(LogBy("node-1", honest, other));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(result.Reason, Does.StartWith("Entry 1:"));
            Assert.That(result.Reason, Does.Not.Contain("dr-bob").And.Not.Contain("rec-alice"), "reasons name no one");
            Assert.That(LogAsOwner(_aliceRecord), Is.Empty, "one bad entry refuses the whole transaction");
        }
    }

    private static readonly (string Name, Action<AccessLogEntry> Mutate, TxResultCode Code)[] BadEntries =
    [
        ("unknown record", e => e.RecordId = "rec-none", TxResultCode.NotFound),
        ("record id that is no id", e => e.RecordId = "../p/alice", TxResultCode.NotFound),
        ("empty record id", e => e.RecordId = "", TxResultCode.NotFound),
        ("unknown reader", e => e.ReaderId = "mallory", TxResultCode.NotFound),
        ("reader id that is no id", e => e.ReaderId = new string('x', 10_000), TxResultCode.NotFound),
        ("read time int64 min", e => e.ReadUnixMs = long.MinValue, TxResultCode.InvalidArgument),
        ("read time zero", e => e.ReadUnixMs = 0, TxResultCode.InvalidArgument),
        ("read time int64 max", e => e.ReadUnixMs = long.MaxValue, TxResultCode.InvalidArgument),
        ("read time an hour after the block", e => e.ReadUnixMs += 3_600_000, TxResultCode.InvalidArgument),
        ("no kind", e => e.Kind = AccessKind.Unspecified, TxResultCode.InvalidArgument),
        ("unknown kind", e => e.Kind = (AccessKind)99, TxResultCode.InvalidArgument),
        ("no basis", e => e.Basis = AccessBasis.Unspecified, TxResultCode.InvalidArgument),
        ("unknown basis", e => e.Basis = (AccessBasis)99, TxResultCode.InvalidArgument),
        ("owner basis for a grantee", e => { e.Basis = AccessBasis.Owner; e.Grant = null; }, TxResultCode.InvalidArgument),
        ("grant basis without a grant", e => e.Grant = null, TxResultCode.InvalidArgument),
        ("grant basis with an emergency", e => e.EmergencyId = "em-1", TxResultCode.InvalidArgument),
        ("emergency basis naming no emergency", e => { e.Basis = AccessBasis.Emergency; e.Grant = null; e.EmergencyId = "em-1"; }, TxResultCode.InvalidArgument),
        ("emergency basis with a grant", e => { e.Basis = AccessBasis.Emergency; e.EmergencyId = "em-1"; }, TxResultCode.InvalidArgument),
        ("prescription basis for a doctor", e => { e.Basis = AccessBasis.PrescriptionShare; e.Kind = AccessKind.SharedPrescription; e.Grant = null; }, TxResultCode.InvalidArgument),
        ("prescription basis for a record read", e => { e.Basis = AccessBasis.PrescriptionShare; e.Grant = null; }, TxResultCode.InvalidArgument),
        ("no read request", e => e.ReadRequest = ByteString.Empty, TxResultCode.InvalidArgument),
        ("garbage read request", e => e.ReadRequest = ByteString.CopyFrom(0xff, 0xff, 0xff, 0x07), TxResultCode.InvalidArgument),
        ("oversize read request", e => e.ReadRequest = ByteString.CopyFrom(new byte[AccessLogEntries.MaxReadRequestBytes + 1]), TxResultCode.InvalidArgument),
        ("another reader's read request", e => e.ReadRequest = new SignedReadRequest
        {
            Request = new ReadRequest { ChainId = TestNetwork.ChainId, ReaderId = "alice", Nonce = 1 }.ToByteString(),
            Signature = ByteString.CopyFrom(new byte[64]),
        }.ToByteString(), TxResultCode.InvalidArgument),
        ("a read request for another chain", e => e.ReadRequest = new SignedReadRequest
        {
            Request = new ReadRequest { ChainId = "other-chain", ReaderId = "dr-bob", Nonce = 1 }.ToByteString(),
            Signature = ByteString.CopyFrom(new byte[64]),
        }.ToByteString(), TxResultCode.InvalidArgument),
    ];

    private static IEnumerable<TestCaseData> BadEntryCases() => BadEntries.Select(b => new TestCaseData(b.Name).SetName($"A_bad_entry_is_refused_and_writes_nothing({b.Name})"));

    [TestCaseSource(nameof(BadEntryCases))]
    public void A_bad_entry_is_refused_and_writes_nothing(string name)
    {
        var (_, mutate, code) = BadEntries.Single(b => b.Name == name);
        var entry = ReadBy(_drBob, _aliceRecord)!;
        mutate(entry);

        var result = _net.CommitOne(LogBy("node-1", entry));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(code), result.Reason);
            Assert.That(LogAsOwner(_aliceRecord), Is.Empty);
        }
    }

    [Test]
    public void A_pharmacists_reading_of_a_shared_prescription_is_logged_under_its_record()
    {
        var pharmacy = _net.Pharmacist("pharm-1");
        Assert.That(_net.Append(_drBob, _aliceRecord, Entries.Prescription("amoxicillin 500 mg")).Code, Is.EqualTo(TxResultCode.Ok));
        var handed = new PrescriptionList { Prescriptions = { new SharedPrescription { Share = new PrescriptionShare { RecordId = _aliceRecord.Id, EntryIndex = 1, PharmacistId = pharmacy.Id } } } };
        var request = pharmacy.Client.Read(new ReadQuery { ListSharedPrescriptions = new ListSharedPrescriptionsQuery() });
        var entry = AccessLogEntries.ForSharedPrescriptions(handed, pharmacy.Id, _net.Clock.GetUtcNow(), request, "node-1").Single();

        var result = _net.CommitOne(LogBy("node-1", entry));
        var moved = entry.Clone();
        moved.EntryIndex = 0;
        var onTheAllergy = _net.CommitOne(LogBy("node-1", moved));

        var logged = LogAsOwner(_aliceRecord).Single().Entry;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok), result.Reason);
            Assert.That(onTheAllergy.Code, Is.EqualTo(TxResultCode.InvalidArgument), "entry 0 is no prescription");
            Assert.That(logged.ReaderId, Is.EqualTo(pharmacy.Id));
            Assert.That(logged.Basis, Is.EqualTo(AccessBasis.PrescriptionShare));
            Assert.That(logged.Kind, Is.EqualTo(AccessKind.SharedPrescription));
            Assert.That(logged.EntryIndex, Is.EqualTo(1));
        }
    }

    [Test]
    public void An_empty_or_oversize_access_log_is_refused()
    {
        var entry = ReadBy(_drBob, _aliceRecord)!;
        var empty = _net.CommitOne(LogBy("node-1"));
        var oversize = _net.CommitOne(LogBy("node-1", Enumerable.Repeat(entry, 1025).ToArray()));
        var largest = _net.CommitOne(LogBy("node-1", Enumerable.Repeat(entry, 1024).ToArray()));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(empty.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(oversize.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(largest.Code, Is.EqualTo(TxResultCode.Ok), largest.Reason);
            Assert.That(LogAsOwner(_aliceRecord), Has.Count.EqualTo(1024));
        }
    }

    [Test]
    public void A_read_logged_under_a_grant_revoked_since_is_still_accepted()
    {
        var entry = ReadBy(_drBob, _aliceRecord)!;
        Assert.That(_net.RevokeDoctor(_aliceRecord, _drBob, _lab).Code, Is.EqualTo(TxResultCode.Ok));

        var result = _net.CommitOne(LogBy("node-1", entry));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok), "the read happened while the grant was live; the log must not lose it");
    }

    [Test]
    public void A_patient_cannot_read_another_patients_access_log_and_an_Admin_reads_none()
    {
        _net.ExpectOk(LogBy("node-1", ReadBy(_drBob, _aliceRecord)!));

        var carol = _net.Read(_carol, LogOf(_aliceRecord.Id));
        var admin = _net.Read(_net.Admin, LogOf(_aliceRecord.Id));
        var auditor = _net.Read(_auditor, LogOf(_aliceRecord.Id));
        var missing = _net.Read(_alice, LogOf("rec-none"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(carol.Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(admin.Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(auditor.Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(missing.Status, Is.EqualTo(ReadStatus.NotFound));
            Assert.That(carol.AccessLog, Is.Null);
            Assert.That(admin.AccessLog, Is.Null);
        }
    }

    [Test]
    public void A_grantee_sees_only_their_own_reads()
    {
        _net.ExpectOk(LogBy("node-1", ReadBy(_alice, _aliceRecord)!, ReadBy(_drBob, _aliceRecord)!, ReadBy(_lab, _aliceRecord)!));

        var doctor = _net.Read(_drBob, LogOf(_aliceRecord.Id));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(doctor.Status, Is.EqualTo(ReadStatus.Ok), doctor.Reason);
            Assert.That(doctor.AccessLog.Records.Select(r => r.Entry.ReaderId), Is.EqualTo(new[] { "dr-bob" }));
            Assert.That(LogAsOwner(_aliceRecord), Has.Count.EqualTo(3));
        }
    }

    [Test]
    public void Participants_chain_reads_never_show_an_access_log_and_full_readers_see_it()
    {
        var block = _net.Commit(LogBy("node-1", ReadBy(_drBob, _aliceRecord)!));

        bool Sees(EhrChain.Client.EhrClient client)
        {
            using var view = _net.Store.OpenView();
            var reader = ChainReaderVerifier.Verify(view, _net.Genesis, client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = block.Header.Height } }), _net.Clock.GetUtcNow()).Value!;
            return new ChainVisibility(view, reader, _net.Clock.GetUtcNow()).MaySee(block.Transactions[0]);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Sees(_alice.Client), Is.False, "the owner reads her log with GetAccessLog, not a transaction mixing records");
            Assert.That(Sees(_drBob.Client), Is.False);
            Assert.That(Sees(_net.Admin.Client), Is.False);
            Assert.That(Sees(_auditor.Client), Is.True);
        }
    }

    [Test]
    public void A_participants_chain_read_of_anothers_entries_is_a_read_and_of_their_own_is_not()
    {
        var appended = _net.Commit(_drBob.Client.AppendEntries(_aliceRecord.Keys, [Entries.Diagnosis("angina")]));
        Assert.That(appended.Results.Single().Code, Is.EqualTo(TxResultCode.Ok));
        var grant = _net.Commit(_alice.Client.GrantAccess(_aliceRecord.Keys, _drEve.Holder, Permission.Read));

        IReadOnlyList<AccessLogEntry> ChainRead(Actor actor, Block block)
        {
            using var view = _net.Store.OpenView();
            var auth = actor.Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = block.Header.Height } });
            var reader = ChainReaderVerifier.Verify(view, _net.Genesis, auth, _net.Clock.GetUtcNow()).Value!;
            return AccessLogEntries.ForChainRead(view, reader, block.Transactions, auth, _net.Clock.GetUtcNow(), "node-3");
        }

        var byOwner = ChainRead(_alice, appended);
        var byAuthor = ChainRead(_drBob, appended);
        var byAuditor = ChainRead(_auditor, appended);
        var ofAGrant = ChainRead(_drEve, grant);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byOwner.Select(e => (e.RecordId, e.Basis, e.Kind)), Is.EqualTo(new[] { ("rec-alice", AccessBasis.Owner, AccessKind.ChainRead) }));
            Assert.That(byAuthor, Is.Empty, "what a doctor wrote himself is no read of the record");
            Assert.That(byAuditor, Is.Empty, "an auditor holds no record key");
            Assert.That(ofAGrant, Is.Empty, "a grant carries no entries");
        }
        Assert.That(_net.CommitOne(LogBy("node-3", [.. byOwner])).Code, Is.EqualTo(TxResultCode.Ok));
    }
}
