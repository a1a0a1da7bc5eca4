using EhrChain.Client;
using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Execution;
using EhrChain.Contracts.Queries;
using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Emergency;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using EhrChain.Storage.Rocks;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>
/// A chain with its genesis Admin, a fake clock and a block producer, so tests read as what
/// participants do: <c>net.Patient("alice")</c>, <c>net.Commit(alice.Client.CreateMedicalRecord(...))</c>.
/// Every committed batch becomes a real block in a real store, with real crypto.
/// </summary>
internal sealed class TestNetwork : IDisposable
{
    public const string ChainId = "test-chain";
    public static readonly DateTimeOffset Start = new(2030, 1, 1, 9, 0, 0, TimeSpan.Zero);

    private readonly string? _directory;
    private ulong _sequence;

    private TestNetwork(IChainStore store, GenesisFile genesis, KeyFile adminKeys, string? directory)
    {
        Store = store;
        Genesis = genesis;
        _directory = directory;
        Clock = new FakeTimeProvider(Start);
        Escrow = EmergencyEscrow.FromGenesis(genesis);
        Admin = ActorFor(adminKeys);
        Producer = new BlockProducer(store, new EhrExecutor(ChainId, genesis.Validators));
        GenesisBlock.Initialise(store, genesis);
    }

    public IChainStore Store { get; }
    public GenesisFile Genesis { get; }
    public FakeTimeProvider Clock { get; }
    public Actor Admin { get; }
    public BlockProducer Producer { get; }

    /// <summary>The genesis file's emergency trustees, which every client splits new keys among; null without them.</summary>
    public EmergencyEscrow? Escrow { get; }

    /// <summary>The trustees' key files, for a network made by <see cref="WithTrustees"/>.</summary>
    public IReadOnlyList<KeyFile> TrusteeKeys { get; private init; } = [];

    public static TestNetwork InMemory() => Create(new MemoryChainStore(), null);

    /// <summary>On RocksDB in a fresh temporary directory that <see cref="Dispose"/> removes.</summary>
    public static TestNetwork OnRocks()
    {
        var directory = Path.Combine(Path.GetTempPath(), "ehrchain-contracts-" + Guid.NewGuid().ToString("N"));
        return Create(RocksChainStore.Open(directory), directory);
    }

    /// <summary>A network on <paramref name="store"/> with a given genesis and Admin, so two stores can run the same chain.</summary>
    public static TestNetwork On(IChainStore store, GenesisFile genesis, KeyFile adminKeys, string? directory = null) =>
        new(store, genesis, adminKeys, directory);

    public static (GenesisFile Genesis, KeyFile AdminKeys) NewGenesis(GenesisEmergency? emergency = null)
    {
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var validators = Enumerable.Range(0, 4).Select(i => new GenesisValidator(
            $"node-{i}", $"127.0.0.1:{7000 + i}", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey)).ToList();
        var genesis = new GenesisFile(ChainId, Start, validators,
            new GenesisAdmin(admin.Id, "The Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey), emergency);
        return (genesis, admin);
    }

    /// <summary>On RocksDB, with <paramref name="trustees"/> emergency trustees of which <paramref name="threshold"/> open a key, and the default durations.</summary>
    public static TestNetwork WithTrustees(int trustees = 4, int threshold = 2)
    {
        var keys = Enumerable.Range(0, trustees).Select(i => KeyFile.Generate($"node-{i}.emergency", KeyRole.Trustee)).ToList();
        var emergency = GenesisEmergency.WithDefaults(keys.Select(k => new GenesisTrustee(k.Id, k.Signing.PublicKey, k.Encryption.PublicKey)).ToList());
        var (genesis, admin) = NewGenesis(new GenesisEmergency(emergency.Trustees, threshold, emergency.DefaultDuration, emergency.MaxDuration, emergency.ReviewWindow));
        var directory = Path.Combine(Path.GetTempPath(), "ehrchain-contracts-" + Guid.NewGuid().ToString("N"));
        return new TestNetwork(RocksChainStore.Open(directory), genesis, admin, directory) { TrusteeKeys = keys };
    }

    /// <summary>Trustee <paramref name="index"/>'s release for an emergency, built from the state as its node would, or null if it has nothing to release.</summary>
    public SignedTransaction? ReleaseBy(int index, string emergencyId)
    {
        using var view = Store.OpenView();
        return new TrusteeReleases(TrusteeKeys[index], ChainId, Clock).Release(view, emergencyId, Clock.GetUtcNow());
    }

    private static TestNetwork Create(IChainStore store, string? directory)
    {
        var (genesis, admin) = NewGenesis();
        return new TestNetwork(store, genesis, admin, directory);
    }

    public Actor Patient(string id) => Enrol(id, KeyRole.Patient);
    public Actor Doctor(string id) => Enrol(id, KeyRole.Doctor);
    public Actor Laboratory(string id) => Enrol(id, KeyRole.Laboratory);
    public Actor Pharmacist(string id) => Enrol(id, KeyRole.Pharmacist);
    public Actor SecondAdmin(string id) => Enrol(id, KeyRole.Admin);
    public Actor Auditor(string id) => Enrol(id, KeyRole.Auditor);

    /// <summary>A participant with keys but not enrolled on the chain.</summary>
    public Actor Stranger(string id, KeyRole role = KeyRole.Patient) => ActorFor(KeyFile.Generate(id, role));

    /// <summary>An enrolled participant as a key holder, from their public profile on the chain.</summary>
    public KeyHolder HolderOf(string participantId)
    {
        using var view = Store.OpenView();
        var participant = new EhrState(view).Participant(participantId) ?? throw new InvalidOperationException($"{participantId} is not enrolled.");
        return new KeyHolder(participant.Id, EncryptionPublicKey.FromBytes(participant.EncryptionPublicKey.Span));
    }

    public bool HasParticipant(string participantId)
    {
        using var view = Store.OpenView();
        return new EhrState(view).Participant(participantId) is not null;
    }

    public Actor ActorFor(KeyFile keys) => new(keys, new EhrClient(keys, ChainId, Clock, escrow: Escrow));

    public Actor Enrol(string id, KeyRole role)
    {
        var actor = Stranger(id, role);
        ExpectOk(Admin.Client.AddParticipant(actor.Keys, Profiles.For(role, id)));
        return actor;
    }

    /// <summary>A record owned by <paramref name="owner"/>, created on the chain with the given entries.</summary>
    public TestRecord RecordOf(Actor owner, string recordId, params PlainEntry[] entries)
    {
        var created = owner.Client.CreateMedicalRecord(recordId, entries);
        ExpectOk(created.Transaction);
        return new TestRecord(owner, created.Keys);
    }

    public void GrantDoctor(TestRecord record, Actor doctor, Permission permission = Permission.ReadWrite, DateTimeOffset? expires = null) =>
        ExpectOk(record.Owner.Client.GrantAccess(record.Keys, doctor.Holder, permission, expires));

    public void GrantLab(TestRecord record, Actor laboratory, DateTimeOffset? expires = null) =>
        ExpectOk(record.Owner.Client.GrantAccessToLab(record.Keys, laboratory.Holder, expires));

    /// <summary>Revokes a doctor, sealing the rotated key to the given remaining grantees, and advances the owner's ring when accepted.</summary>
    public TxResult RevokeDoctor(TestRecord record, Actor doctor, params Actor[] remaining)
    {
        var revocation = record.Owner.Client.RevokeAccess(record.Keys, doctor.Id, remaining.Select(r => r.Holder));
        var result = CommitOne(revocation.Transaction);
        if (result.Code == TxResultCode.Ok)
        {
            record.Keys = revocation.Keys;
        }
        return result;
    }

    public TxResult RevokeLab(TestRecord record, Actor laboratory, params Actor[] remaining)
    {
        var revocation = record.Owner.Client.RevokeAccessFromLab(record.Keys, laboratory.Id, remaining.Select(r => r.Holder));
        var result = CommitOne(revocation.Transaction);
        if (result.Code == TxResultCode.Ok)
        {
            record.Keys = revocation.Keys;
        }
        return result;
    }

    public TxResult Append(Actor author, TestRecord record, params PlainEntry[] entries) =>
        CommitOne(author.Client.AppendEntries(record.Keys, entries));

    /// <summary>Orders the transactions into one batch at the clock's current time and stores the block.</summary>
    public Block Commit(params SignedTransaction[] transactions) =>
        CommitBytes(Clock.GetUtcNow(), transactions.Select(t => t.ToByteString()).ToArray());

    /// <summary>Orders raw bytes (as a faulty primary could) into one batch at <paramref name="batchTime"/>.</summary>
    public Block CommitBytes(DateTimeOffset batchTime, params ByteString[] transactions)
    {
        _sequence++;
        var batch = new CommittedBatch(_sequence, 0, "node-0", batchTime.ToUnixTimeMilliseconds(), transactions, new CommitCertificate
        {
            View = 0,
            Sequence = _sequence,
            BatchDigest = Hash.Compute(transactions.SelectMany(t => t.ToByteArray()).ToArray()).ToByteString(),
        });
        return Producer.Produce(batch).Block;
    }

    public TxResult CommitOne(SignedTransaction transaction) => Commit(transaction).Results.Single();

    public void ExpectOk(SignedTransaction transaction)
    {
        var result = CommitOne(transaction);
        if (result.Code != TxResultCode.Ok)
        {
            throw new InvalidOperationException($"Setup transaction failed: {result.Code}: {result.Reason}");
        }
    }

    public ReadResponse Read(Actor reader, ReadQuery query) => Answer(reader.Client.Read(query));

    public ReadResponse Answer(SignedReadRequest request)
    {
        using var view = Store.OpenView();
        return RecordQueries.Answer(view, Store, request, ChainId, Clock.GetUtcNow());
    }

    public ReadResponse ReadRecord(Actor reader, TestRecord record) => ReadRecord(reader, record.Id);

    public ReadResponse ReadRecord(Actor reader, string recordId) =>
        Read(reader, new ReadQuery { GetRecord = new GetRecordQuery { RecordId = recordId } });

    /// <summary>The record's entries in clear as <paramref name="reader"/> can decrypt them; unreadable ones as "&lt;unreadable&gt;".</summary>
    public IReadOnlyList<string> DecryptedTexts(Actor reader, TestRecord record)
    {
        var response = ReadRecord(reader, record);
        if (response.Status != ReadStatus.Ok)
        {
            throw new InvalidOperationException($"{reader.Id} cannot read {record.Id}: {response.Reason}");
        }
        return reader.Client.Decrypt(response.Record).Select(Entries.Text).ToList();
    }

    public void Dispose()
    {
        Store.Dispose();
        if (_directory is not null && Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}
