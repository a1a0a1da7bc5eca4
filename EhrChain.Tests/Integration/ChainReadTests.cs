using System.Collections.Concurrent;
using EhrChain.Client;
using EhrChain.Client.Session;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Tests.Cli;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>
/// GetBlock, GetTransaction and Subscribe on four real nodes: refused without a signed read
/// request, and answering each caller only what it may see.
/// </summary>
[NonParallelizable]
public sealed class ChainReadTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private TestCluster _cluster = null!;
    private GenesisFile _genesis = null!;
    private LedgerSession _admin = null!;
    private LedgerSession _alice = null!;
    private LedgerSession _carol = null!;
    private LedgerSession _drBob = null!;
    private LedgerSession _drEve = null!;
    private LedgerSession _auditor = null!;
    private LedgerSession _validator = null!;
    private KeyFile _aliceKeys = null!;
    private RecordKeyRing _aliceRecord = null!;
    private TransactionReceipt _carolGrant = null!;
    private readonly ConsistencyToken _token = new();

    [OneTimeSetUp]
    public async Task StartClusterWithTwoPatientsTwoDoctorsAndAnAuditor()
    {
        _cluster = await TestCluster.StartAsync();
        _genesis = GenesisFile.Load(Path.Combine(_cluster.Directory, "genesis.json"));
        _admin = await Open(0, _cluster.Admin);
        _aliceKeys = KeyFile.Generate("alice", KeyRole.Patient);
        var carolKeys = KeyFile.Generate("carol", KeyRole.Patient);
        var bobKeys = KeyFile.Generate("dr-bob", KeyRole.Doctor);
        var eveKeys = KeyFile.Generate("dr-eve", KeyRole.Doctor);
        var auditorKeys = KeyFile.Generate("auditor-1", KeyRole.Auditor);
        foreach (var (keys, profile) in new[]
        {
            (_aliceKeys, new Profile { Name = "Alice" }),
            (carolKeys, new Profile { Name = "Carol" }),
            (bobKeys, Doctor("Bob")),
            (eveKeys, Doctor("Eve")),
            (auditorKeys, new Profile { Name = "Audit office" }),
        })
        {
            await _admin.SubmitAsync(_admin.Client.AddParticipant(keys, profile), wait: true, CancellationToken.None);
        }
        _alice = await Open(1, _aliceKeys);
        _carol = await Open(2, carolKeys);
        _drBob = await Open(3, bobKeys);
        _drEve = await Open(0, eveKeys);
        _auditor = await Open(1, auditorKeys);
        _validator = await Open(2, KeyFile.Load(Path.Combine(_cluster.Directory, "keys", "node-0.key.json")));

        var aliceCreate = _alice.Client.CreateMedicalRecord("rec-alice", [new PlainEntry(EntryKind.Allergy, "Latex"u8.ToArray())]);
        await _alice.SubmitAsync(aliceCreate.Transaction, wait: true, CancellationToken.None);
        _aliceRecord = aliceCreate.Keys;
        await _alice.SubmitAsync(_alice.Client.GrantAccess(_aliceRecord, await _alice.KeyHolderAsync("dr-bob", CancellationToken.None), Permission.ReadWrite), wait: true, CancellationToken.None);
        var carolCreate = _carol.Client.CreateMedicalRecord("rec-carol");
        await _carol.SubmitAsync(carolCreate.Transaction, wait: true, CancellationToken.None);
        var grant = await _carol.SubmitAsync(_carol.Client.GrantAccess(carolCreate.Keys, await _carol.KeyHolderAsync("dr-eve", CancellationToken.None), Permission.Read), wait: true, CancellationToken.None);
        _carolGrant = grant.Receipt;
    }

    [OneTimeTearDown]
    public async Task StopCluster()
    {
        foreach (var session in new[] { _admin, _alice, _carol, _drBob, _drEve, _auditor, _validator })
        {
            session?.Dispose();
        }
        await _cluster.DisposeAsync();
    }

    private async Task<LedgerSession> Open(int node, KeyFile keys) =>
        await LedgerSession.OpenAsync(_cluster.Addresses[node], keys, Timeout, _token, CancellationToken.None);

    private static Profile Doctor(string name) =>
        new() { Name = name, Doctor = new DoctorProfile { LicenceNumber = "L-" + name, Specialty = "GP", Organisation = "O" } };

    private static (StatusCode Code, string? Reason) Describe(RpcException e) =>
        (e.StatusCode, e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);

    private static GetBlockRequest BlockRequest(EhrClient reader, ulong height) =>
        new() { Height = height, Auth = reader.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = height } }) };

    [Test]
    public async Task Chain_reads_without_a_signed_read_request_are_refused_as_unauthenticated()
    {
        var ledger = _cluster.Client(0);
        var block = Assert.ThrowsAsync<RpcException>(() => ledger.GetBlockAsync(new GetBlockRequest { Height = 1 }).ResponseAsync);
        var receipt = Assert.ThrowsAsync<RpcException>(() => ledger.GetTransactionAsync(new GetTransactionRequest { TxId = _carolGrant.TxId }).ResponseAsync);
        using var call = ledger.Subscribe(new SubscribeRequest { FromHeight = 0, IncludeBlocks = true });
        RpcException? subscription = null;
        try
        {
            await call.ResponseStream.MoveNext(CancellationToken.None);
        }
        catch (RpcException e)
        {
            subscription = e;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(block!), Is.EqualTo((StatusCode.Unauthenticated, "UNAUTHENTICATED")));
            Assert.That(Describe(receipt!), Is.EqualTo((StatusCode.Unauthenticated, "UNAUTHENTICATED")));
            Assert.That(subscription, Is.Not.Null, "the stream must fail, not answer");
            Assert.That(Describe(subscription!), Is.EqualTo((StatusCode.Unauthenticated, "UNAUTHENTICATED")));
        }
    }

    [Test]
    public void A_stranger_or_a_forged_signature_is_refused_like_a_bad_typed_read()
    {
        var stranger = new EhrClient(KeyFile.Generate("mallory", KeyRole.Patient), _genesis.ChainId, TimeProvider.System);
        var impostor = new EhrClient(KeyFile.Generate("node-1", KeyRole.Validator), _genesis.ChainId, TimeProvider.System);

        var byStranger = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(1).GetBlockAsync(BlockRequest(stranger, 1)).ResponseAsync);
        var byImpostor = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(1).GetBlockAsync(BlockRequest(impostor, 1)).ResponseAsync);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(byStranger!), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_READ_REQUEST")));
            Assert.That(Describe(byImpostor!), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_READ_REQUEST")));
        }
    }

    [Test]
    public async Task A_signature_for_one_call_opens_no_other_and_is_answered_once()
    {
        var ledger = _cluster.Client(2);
        var forBlockOne = _auditor.Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = 1 } });
        var otherBlock = Assert.ThrowsAsync<RpcException>(() => ledger.GetBlockAsync(new GetBlockRequest { Height = 2, Auth = forBlockOne }).ResponseAsync);
        var otherCall = Assert.ThrowsAsync<RpcException>(() => ledger.GetTransactionAsync(new GetTransactionRequest { TxId = _carolGrant.TxId, Auth = forBlockOne }).ResponseAsync);

        var first = await ledger.GetBlockAsync(new GetBlockRequest { Height = 1, Auth = forBlockOne });
        var replay = Assert.ThrowsAsync<RpcException>(() => ledger.GetBlockAsync(new GetBlockRequest { Height = 1, Auth = forBlockOne }).ResponseAsync);
        var typed = _alice.Client.Read(new ReadQuery { GetParticipant = new GetParticipantQuery { ParticipantId = "alice" } });
        await ledger.GetParticipantAsync(typed);
        var typedReplay = Assert.ThrowsAsync<RpcException>(() => ledger.GetParticipantAsync(typed).ResponseAsync);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(otherBlock!), Is.EqualTo((StatusCode.InvalidArgument, "WRONG_QUERY")));
            Assert.That(Describe(otherCall!), Is.EqualTo((StatusCode.InvalidArgument, "WRONG_QUERY")));
            Assert.That(first.Block.Header.Height, Is.EqualTo(1));
            Assert.That(Describe(replay!), Is.EqualTo((StatusCode.InvalidArgument, "READ_REQUEST_REPLAYED")));
            Assert.That(Describe(typedReplay!), Is.EqualTo((StatusCode.InvalidArgument, "READ_REQUEST_REPLAYED")));
        }
    }

    [Test]
    public async Task A_doctors_view_of_a_block_with_another_patients_grant_holds_nothing_of_it()
    {
        var height = _carolGrant.Height;

        var bobsView = await _drBob.BlockAsync(height, null, CancellationToken.None);
        var evesView = await _drEve.BlockAsync(height, null, CancellationToken.None);
        var bytes = bobsView.ToByteArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bobsView.ViewCase, Is.EqualTo(BlockResponse.ViewOneofCase.Filtered));
            Assert.That(bobsView.Filtered.TransactionCount, Is.GreaterThanOrEqualTo(1));
            Assert.That(bobsView.Filtered.Transactions, Is.Empty);
            Assert.That(bobsView.Filtered.Header.Height, Is.EqualTo(height));
            Assert.That(bobsView.Filtered.Certificate.Commits, Has.Count.GreaterThanOrEqualTo(3));
            foreach (var name in new[] { "carol", "dr-eve", "rec-carol" })
            {
                Assert.That(Contains(bytes, name), Is.False, $"'{name}' in dr-bob's view");
            }
            Assert.That(evesView.Filtered.Transactions.Select(t => t.TxId), Does.Contain(_carolGrant.TxId));
            Assert.That(evesView.Filtered.Transactions.Single(t => t.TxId == _carolGrant.TxId).Position, Is.EqualTo(_carolGrant.Position));
        }
    }

    [Test]
    public async Task An_auditor_and_a_validator_see_whole_blocks()
    {
        var byAuditor = await _auditor.BlockAsync(_carolGrant.Height, null, CancellationToken.None);
        var byValidator = await _validator.BlockAsync(null, _carolGrant.BlockHash, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byAuditor.ViewCase, Is.EqualTo(BlockResponse.ViewOneofCase.Block));
            Assert.That(byAuditor.Block.Transactions, Has.Count.EqualTo(byAuditor.Block.Results.Count).And.Count.GreaterThanOrEqualTo(1));
            Assert.That(byAuditor.Hash, Is.EqualTo(_carolGrant.BlockHash));
            // Nodes hold the same block; each keeps the quorum of COMMITs it collected itself.
            Assert.That(byValidator.Block.Header, Is.EqualTo(byAuditor.Block.Header));
            Assert.That(byValidator.Block.Transactions, Is.EqualTo(byAuditor.Block.Transactions));
        }
    }

    [Test]
    public async Task A_receipt_is_not_found_for_whoever_may_not_see_it_and_proves_itself_to_its_signer()
    {
        var missing = new string('0', 64);
        var forBob = Assert.ThrowsAsync<RpcException>(() => _drBob.TransactionAsync(_carolGrant.TxId, CancellationToken.None));
        var absent = Assert.ThrowsAsync<RpcException>(() => _drBob.TransactionAsync(missing, CancellationToken.None));
        var forCarol = await _carol.TransactionAsync(_carolGrant.TxId, CancellationToken.None);
        var forEve = await _drEve.TransactionAsync(_carolGrant.TxId, CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(forBob!), Is.EqualTo((StatusCode.NotFound, "NOT_FOUND")));
            Assert.That(forBob!.Status.Detail, Is.EqualTo(absent!.Status.Detail.Replace(missing, _carolGrant.TxId, StringComparison.Ordinal)));
            Assert.That(ReceiptVerifier.Check(forCarol, ValidatorSet.FromGenesis(_genesis)), Is.Null);
            Assert.That(forEve.Position, Is.EqualTo(_carolGrant.Position));
        }
    }

    [Test]
    public async Task The_cli_checks_a_receipt_against_the_genesis_file()
    {
        var keyPath = Path.Combine(_cluster.Directory, "keys", "alice.key.json");
        if (!File.Exists(keyPath))
        {
            _aliceKeys.Save(keyPath);
        }
        var created = await _alice.SubmitAsync(_alice.Client.AppendEntries(_aliceRecord, [new PlainEntry(EntryKind.Note, "cli"u8.ToArray())]), wait: true, CancellationToken.None);

        var (code, output, error) = await CliRun.RunAsync("query", "tx", created.TxId, "--as", keyPath,
            "--genesis", Path.Combine(_cluster.Directory, "genesis.json"), "--node", _cluster.Addresses[2].Address, "--ca", _cluster.CaPath);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Zero, error);
            Assert.That(output, Does.Contain("verified").And.Not.Contain("NOT VERIFIED"));
        }
    }

    [Test]
    public async Task An_auditor_enrolled_through_the_cli_reads_whole_blocks_and_a_doctor_his_part()
    {
        var keys = Path.Combine(_cluster.Directory, "keys");
        var auditorPath = Path.Combine(keys, "audit-cli.key.json");
        var bobPath = Path.Combine(keys, "dr-bob-cli.key.json");
        _drBob.Keys.Save(bobPath);
        var node = _cluster.Addresses[1].Address;
        var ca = _cluster.CaPath;
        var height = _carolGrant.Height.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var created = await CliRun.RunAsync("keys", "new", "--id", "audit-cli", "--role", "auditor", "--out", auditorPath);
        var enrolled = await CliRun.RunAsync("tx", "participant", "add", "--keys", auditorPath, "--name", "Audit office", "--as", Path.Combine(keys, "admin.key.json"), "--wait", "--node", node, "--ca", ca);
        var whole = await CliRun.RunAsync("query", "block", height, "--as", auditorPath, "--node", node, "--ca", ca, "--output", "json");
        var part = await CliRun.RunAsync("query", "block", height, "--as", bobPath, "--node", node, "--ca", ca);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.ExitCode, Is.Zero, created.Error);
            Assert.That(enrolled.ExitCode, Is.Zero, enrolled.Error);
            Assert.That(whole.ExitCode, Is.Zero, whole.Error);
            Assert.That(System.Text.Json.Nodes.JsonNode.Parse(whole.Out)!["block"]!["transactions"]!.AsArray(), Is.Not.Empty);
            Assert.That(part.ExitCode, Is.Zero, part.Error);
            Assert.That(part.Out, Does.Contain("0 of ").And.Contain("visible to dr-bob"));
        }
    }

    [Test]
    public async Task A_revoked_doctors_subscription_stops_showing_the_records_new_transactions()
    {
        var record = _alice.Client.CreateMedicalRecord("rec-sub", [new PlainEntry(EntryKind.Note, "start"u8.ToArray())]);
        await _alice.SubmitAsync(record.Transaction, wait: true, CancellationToken.None);
        var keys = record.Keys;
        var granted = await _alice.SubmitAsync(_alice.Client.GrantAccess(keys, await _alice.KeyHolderAsync("dr-eve", CancellationToken.None), Permission.Read), wait: true, CancellationToken.None);

        using var cancel = new CancellationTokenSource(Timeout);
        var from = granted.Receipt.Height + 1;
        var auth = _drEve.Client.Read(new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = from, IncludeBlocks = true } });
        using var call = _cluster.Client(3).Subscribe(new SubscribeRequest { FromHeight = from, IncludeBlocks = true, Auth = auth }, cancellationToken: cancel.Token);
        var events = new ConcurrentQueue<BlockEvent>();
        var reading = Task.Run(async () =>
        {
            try
            {
                await foreach (var e in call.ResponseStream.ReadAllAsync(cancel.Token))
                {
                    events.Enqueue(e);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
            }
            catch (OperationCanceledException)
            {
            }
        });
        async Task ReachedAsync(ulong height)
        {
            while (!events.Any(e => e.Height >= height))
            {
                await Task.Delay(50, cancel.Token);
            }
        }

        var before = await _alice.SubmitAsync(_alice.Client.AppendEntries(keys, [new PlainEntry(EntryKind.Note, "seen"u8.ToArray())]), wait: true, CancellationToken.None);
        await ReachedAsync(before.Receipt.Height);
        var revocation = _alice.Client.RevokeAccess(keys, "dr-eve", []);
        await _alice.SubmitAsync(revocation.Transaction, wait: true, CancellationToken.None);
        var after = await _alice.SubmitAsync(_alice.Client.AppendEntries(revocation.Keys, [new PlainEntry(EntryKind.Note, "unseen"u8.ToArray())]), wait: true, CancellationToken.None);
        await ReachedAsync(after.Receipt.Height);
        await cancel.CancelAsync();
        await reading;

        var seen = events.SelectMany(e => e.Outcomes).Select(o => o.TxId).ToList();
        var afterEvent = events.Single(e => e.Height == after.Receipt.Height);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Does.Contain(before.TxId));
            Assert.That(seen, Does.Not.Contain(after.TxId));
            Assert.That(afterEvent.ViewCase, Is.EqualTo(BlockEvent.ViewOneofCase.Filtered));
            Assert.That(afterEvent.Filtered.Transactions.Select(t => t.TxId), Does.Not.Contain(after.TxId));
            Assert.That(events.Select(e => e.Height), Is.Ordered.And.Unique);
        }
    }

    [Test]
    public async Task A_subscriber_suspended_meanwhile_has_the_stream_ended()
    {
        var keys = KeyFile.Generate("pat-suspended", KeyRole.Patient);
        await _admin.SubmitAsync(_admin.Client.AddParticipant(keys, new Profile { Name = "S" }), wait: true, CancellationToken.None);
        using var subscriber = await Open(0, keys);
        var from = (await _cluster.StatusAsync(0)).Height + 1;
        var auth = subscriber.Client.Read(new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = from } });
        using var cancel = new CancellationTokenSource(Timeout);
        using var call = _cluster.Client(0).Subscribe(new SubscribeRequest { FromHeight = from, Auth = auth }, cancellationToken: cancel.Token);

        await _admin.SubmitAsync(_admin.Client.SetStatus("pat-suspended", ParticipantStatus.Suspended), wait: true, CancellationToken.None);
        RpcException? ended = null;
        try
        {
            while (await call.ResponseStream.MoveNext(cancel.Token))
            {
            }
        }
        catch (RpcException e)
        {
            ended = e;
        }

        Assert.That(ended is null ? default : Describe(ended), Is.EqualTo((StatusCode.PermissionDenied, "READER_NOT_ACTIVE")));
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(needle)) >= 0;
}
