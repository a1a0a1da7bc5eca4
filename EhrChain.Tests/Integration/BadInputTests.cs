using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>
/// Every kind of bad input a client can send gets its documented gRPC status and reason, and
/// changes nothing: refused at admission means no block; refused at execution means no state change.
/// </summary>
[NonParallelizable]
public sealed partial class BadInputTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestCluster _cluster = null!;
    private LedgerSession _admin = null!;
    private LedgerSession _patient = null!;
    private LedgerSession _doctor = null!;
    private LedgerSession _outsider = null!;
    private LedgerSession _ungrantedDoctor = null!;
    private KeyFile _doctorKeys = null!;
    private KeyFile _patientKeys = null!;
    private RecordKeyRing _ownerKeys = null!;
    private const string RecordId = "rec-bad-input";
    private readonly ConsistencyToken _token = new();

    [OneTimeSetUp]
    public async Task StartClusterWithAPatientAndADoctor()
    {
        _cluster = await TestCluster.StartAsync();
        var token = _token;
        _admin = await LedgerSession.OpenAsync(_cluster.Addresses[0], _cluster.Admin, Timeout, token, CancellationToken.None);
        var patientKeys = KeyFile.Generate("pat-1", KeyRole.Patient);
        _patientKeys = patientKeys;
        _doctorKeys = KeyFile.Generate("dr-1", KeyRole.Doctor);
        await _admin.SubmitAsync(_admin.Client.AddParticipant(patientKeys, new Profile { Name = "P" }), wait: true, CancellationToken.None);
        await _admin.SubmitAsync(_admin.Client.AddParticipant(_doctorKeys, new Profile { Name = "D", Doctor = new DoctorProfile { LicenceNumber = "L1", Specialty = "GP", Organisation = "O" } }), wait: true, CancellationToken.None);
        _patient = await LedgerSession.OpenAsync(_cluster.Addresses[1], patientKeys, Timeout, token, CancellationToken.None);
        _doctor = await LedgerSession.OpenAsync(_cluster.Addresses[2], _doctorKeys, Timeout, token, CancellationToken.None);
        _outsider = await LedgerSession.OpenAsync(_cluster.Addresses[3], KeyFile.Generate("nobody", KeyRole.Patient), Timeout, token, CancellationToken.None);
        var ungranted = KeyFile.Generate("dr-2", KeyRole.Doctor);
        await _admin.SubmitAsync(_admin.Client.AddParticipant(ungranted, new Profile { Name = "D2", Doctor = new DoctorProfile { LicenceNumber = "L2", Specialty = "GP", Organisation = "O" } }), wait: true, CancellationToken.None);
        _ungrantedDoctor = await LedgerSession.OpenAsync(_cluster.Addresses[3], ungranted, Timeout, token, CancellationToken.None);
        var created = _patient.Client.CreateMedicalRecord(RecordId, [new PlainEntry(EntryKind.Allergy, "Latex"u8.ToArray())]);
        await _patient.SubmitAsync(created.Transaction, wait: true, CancellationToken.None);
        _ownerKeys = created.Keys;
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        _admin.Dispose();
        _patient.Dispose();
        _doctor.Dispose();
        _outsider.Dispose();
        _ungrantedDoctor.Dispose();
        await _cluster.DisposeAsync();
    }

    private static (StatusCode Code, string? Reason, IList<string> Fields) Describe(RpcException e)
    {
        var status = e.GetRpcStatus();
        var fields = status?.GetDetail<Google.Rpc.BadRequest>()?.FieldViolations.Select(f => f.Field).ToList() ?? [];
        return (e.StatusCode, status?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason, fields);
    }

    private async Task<(StatusCode Code, string? Reason, IList<string> Fields)> RefusedAtAdmission(SignedTransaction transaction)
    {
        var before = await _cluster.StatusAsync(0);
        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(0).SubmitAsync(new SubmitRequest { Transaction = transaction, Wait = true }).ResponseAsync);
        // Nothing was ordered: give consensus a moment, then the chain must not have moved, but
        // for the access logs of earlier tests' reads, which nodes submit in the background.
        await Task.Delay(300);
        var after = await _cluster.StatusAsync(0);
        var store = _cluster.Service<EhrChain.Storage.IChainStore>(0);
        var ordered = Enumerable.Range(1, (int)(after.Height - before.Height))
            .SelectMany(i => store.GetBlock(before.Height + (ulong)i)!.Transactions)
            .Where(t => !IsAccessLog(t))
            .ToList();
        Assert.That(ordered, Is.Empty, "a refused transaction must not reach a block");
        return Describe(error!);
    }

    private static bool IsAccessLog(Google.Protobuf.ByteString transaction) =>
        TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(transaction).Payload).ActionCase == TransactionPayload.ActionOneofCase.RecordAccessLog;

    private async Task<TransactionReceipt> CommittedAsync(string txId)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                return await _patient.TransactionAsync(txId, CancellationToken.None);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
    }

    private async Task<uint> EntryCount() => (await _patient.RecordAsync(RecordId, CancellationToken.None)).Record.EntryCount;

    [Test]
    public async Task Garbage_bytes_as_a_payload_are_malformed()
    {
        var garbage = new SignedTransaction { Payload = ByteString.CopyFrom(0xff, 0xff, 0x01, 0x02), Signature = ByteString.CopyFrom(new byte[64]) };

        var (code, reason, fields) = await RefusedAtAdmission(garbage);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(reason, Is.EqualTo("MALFORMED"));
            Assert.That(fields, Does.Contain("transaction.payload"));
        }
    }

    [Test]
    public async Task A_transaction_with_a_bad_signature_is_unauthenticated()
    {
        var tx = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "n"u8.ToArray())]);
        var forged = new SignedTransaction { Payload = tx.Payload, Signature = ByteString.CopyFrom(SigningKeyPair.Generate().Sign(SigningDomain.Transaction, tx.Payload.Span)) };

        var (code, reason, _) = await RefusedAtAdmission(forged);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "BAD_SIGNATURE")));
    }

    [Test]
    public async Task A_transaction_from_an_unknown_signer_is_unauthenticated()
    {
        var tx = _outsider.Client.CreateMedicalRecord("rec-nobody").Transaction;

        var (code, reason, _) = await RefusedAtAdmission(tx);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "UNKNOWN_SIGNER")));
    }

    [Test]
    public async Task A_transaction_submitted_twice_is_a_duplicate()
    {
        var tx = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "once"u8.ToArray())]);
        await _patient.SubmitAsync(tx, wait: true, CancellationToken.None);
        var count = await EntryCount();

        var (code, reason, _) = await RefusedAtAdmission(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.AlreadyExists, "DUPLICATE_TX")));
            Assert.That(await EntryCount(), Is.EqualTo(count));
        }
    }

    [Test]
    public async Task A_stream_of_submissions_answers_each_in_order_and_a_refusal_does_not_end_it()
    {
        var first = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "streamed 1"u8.ToArray())]);
        var second = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "streamed 2"u8.ToArray())]);
        var forged = new SignedTransaction { Payload = second.Payload, Signature = ByteString.CopyFrom(SigningKeyPair.Generate().Sign(SigningDomain.Transaction, second.Payload.Span)) };
        var count = await EntryCount();

        using var call = _cluster.Client(0).SubmitStream();
        foreach (var request in new[]
        {
            new SubmitRequest { Transaction = first },
            new SubmitRequest { Transaction = forged },
            new SubmitRequest { Transaction = first },
            new SubmitRequest { Transaction = second, Wait = true },
            new SubmitRequest(),
            new SubmitRequest { Transaction = second },
        })
        {
            await call.RequestStream.WriteAsync(request);
        }
        await call.RequestStream.CompleteAsync();
        var outcomes = await call.ResponseStream.ReadAllAsync().ToListAsync();
        var receipt = await CommittedAsync(outcomes[5].TxId);
        // Reads go to another node: it answers once it has the block the receipt names.
        _token.Saw(receipt.Height);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcomes.Select(o => o.Index), Is.EqualTo(new ulong[] { 0, 1, 2, 3, 4, 5 }));
            Assert.That(outcomes.Select(o => ((StatusCode)o.Code, o.Reason)), Is.EqualTo(new[]
            {
                (StatusCode.OK, ""),
                (StatusCode.Unauthenticated, "BAD_SIGNATURE"),
                (StatusCode.AlreadyExists, "DUPLICATE_TX"),
                (StatusCode.InvalidArgument, "WAIT_NOT_ON_STREAM"),
                (StatusCode.InvalidArgument, "MALFORMED"),
                (StatusCode.OK, ""),
            }));
            Assert.That(outcomes[0].TxId, Is.EqualTo(Hash.Compute(first.Payload.Span).ToString()));
            Assert.That(outcomes[5].TxId, Is.EqualTo(Hash.Compute(second.Payload.Span).ToString()));
            Assert.That(outcomes.Where(o => o.Code != 0).Select(o => o.Message), Has.All.Not.Empty);
            Assert.That(receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(await EntryCount(), Is.EqualTo(count + 2));
        }
    }

    [Test]
    public async Task A_stream_the_client_abandons_midway_leaves_the_node_serving_other_streams()
    {
        using (var abandoned = new CancellationTokenSource())
        {
            var call = _cluster.Client(0).SubmitStream(cancellationToken: abandoned.Token);
            for (var i = 0; i < 20; i++)
            {
                await call.RequestStream.WriteAsync(new SubmitRequest { Transaction = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "abandoned"u8.ToArray())]) });
            }
            await abandoned.CancelAsync();
            call.Dispose();
        }

        var next = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "after"u8.ToArray())]);
        using var fresh = _cluster.Client(0).SubmitStream();
        await fresh.RequestStream.WriteAsync(new SubmitRequest { Transaction = next });
        await fresh.RequestStream.CompleteAsync();
        var outcomes = await fresh.ResponseStream.ReadAllAsync().ToListAsync();
        var receipt = await CommittedAsync(outcomes.Single().TxId);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcomes.Single().Code, Is.EqualTo((int)StatusCode.OK));
            Assert.That(receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That((await _cluster.StatusAsync(0)).Height, Is.GreaterThanOrEqualTo(receipt.Height));
        }
    }

    [Test]
    public async Task A_transaction_over_the_admission_limit_is_refused_before_anything_else()
    {
        var tx = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, new byte[258 * 1024])]);

        var (code, reason, fields) = await RefusedAtAdmission(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "TX_TOO_LARGE")));
            Assert.That(fields, Does.Contain("transaction"));
        }
    }

    [Test]
    public async Task A_message_over_the_client_port_limit_is_resource_exhausted()
    {
        var tx = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, new byte[300 * 1024])]);

        var (code, reason, fields) = await RefusedAtAdmission(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
            Assert.That(fields, Does.Contain("request"));
        }
    }

    [Test]
    public async Task A_transaction_for_another_chain_is_refused()
    {
        var other = new EhrClient(_cluster.Admin, "another-chain", TimeProvider.System);
        var tx = other.AddParticipant(KeyFile.Generate("pat-x", KeyRole.Patient), new Profile { Name = "X" });

        var (code, reason, _) = await RefusedAtAdmission(tx);

        Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "WRONG_CHAIN")));
    }

    [Test]
    public async Task An_unauthorised_append_is_denied_and_changes_nothing()
    {
        var count = await EntryCount();
        var madeUp = RecordKeyRing.FromKey(RecordId, 0, ContentCipher.GenerateKey());
        var tx = _ungrantedDoctor.Client.AppendEntries(madeUp, [new PlainEntry(EntryKind.Diagnosis, "not granted"u8.ToArray())]);

        var error = Assert.ThrowsAsync<RpcException>(() => _ungrantedDoctor.SubmitAsync(tx, wait: true, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(error!).Reason, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(await EntryCount(), Is.EqualTo(count));
        }
    }

    [Test]
    public async Task An_expired_grant_denies_reading_and_writing_and_changes_nothing()
    {
        var doctor = await _patient.KeyHolderAsync(_doctorKeys.Id, CancellationToken.None);
        var keys = await _patient.RecordKeysAsync(RecordId, CancellationToken.None);
        await _patient.SubmitAsync(_patient.Client.GrantAccess(keys, doctor, Permission.ReadWrite, _cluster.Clock.GetUtcNow().AddSeconds(2)), wait: true, CancellationToken.None);
        var doctorKeys = await _doctor.RecordKeysAsync(RecordId, CancellationToken.None);
        // The nodes' clock moves past the expiry; the clients' stays, well inside admission's window.
        _cluster.Clock.Advance(TimeSpan.FromSeconds(3));
        var count = await EntryCount();

        var write = Assert.ThrowsAsync<RpcException>(() => _doctor.SubmitAsync(_doctor.Client.AppendEntries(doctorKeys, [new PlainEntry(EntryKind.Note, "late"u8.ToArray())]), wait: true, CancellationToken.None));
        var read = Assert.ThrowsAsync<RpcException>(() => _doctor.RecordAsync(RecordId, CancellationToken.None));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(write!.StatusCode, Is.EqualTo(StatusCode.PermissionDenied));
            Assert.That(Describe(write).Reason, Is.EqualTo("GRANT_EXPIRED"));
            Assert.That((read!.StatusCode, Describe(read).Reason), Is.EqualTo((StatusCode.PermissionDenied, "ACCESS_DENIED")));
            Assert.That(await EntryCount(), Is.EqualTo(count));
        }
    }

    [Test]
    public void A_receipt_asked_for_with_a_malformed_id_names_the_field()
    {
        var auth = _patient.Client.Read(new ReadQuery { GetTransaction = new GetTransactionQuery { TxId = "xyz" } });
        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(1).GetTransactionAsync(new GetTransactionRequest { TxId = "xyz", Auth = auth }).ResponseAsync);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(Describe(error).Fields, Does.Contain("tx_id"));
        }
    }

    [Test]
    public void A_read_request_signed_by_someone_else_is_refused()
    {
        var request = _doctor.Client.Read(new ReadQuery { GetRecord = new GetRecordQuery { RecordId = RecordId } });
        var forged = new SignedReadRequest { Request = request.Request, Signature = ByteString.CopyFrom(SigningKeyPair.Generate().Sign(SigningDomain.ReadRequest, request.Request.Span)) };

        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(0).GetRecordAsync(forged).ResponseAsync);

        Assert.That((error!.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_READ_REQUEST")));
    }
}
