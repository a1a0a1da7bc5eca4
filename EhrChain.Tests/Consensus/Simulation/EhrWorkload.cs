using EhrChain.Client;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Real signed EHR transactions for the simulation, as clinics would send them: the Admin enrols
/// patients, doctors and laboratories, patients create records and grant access, doctors and labs
/// append, owners revoke, and now and then a stranger signs something. The workload does not wait
/// for receipts, so under reordering some are refused at execution (an append before its grant):
/// those refusals must be the same on every replica. Keys and nonces come from the seed; record
/// content is encrypted by the real client, whose data keys and nonces are random.
/// </summary>
internal sealed class EhrWorkload
{
    public const string ChainId = "sim-chain";

    private readonly Random _random;
    private readonly TimeProvider _time;
    private readonly Actor _admin;
    private readonly List<Actor> _patients = [];
    private readonly List<Actor> _clinicians = [];
    private readonly List<OpenRecord> _records = [];
    private readonly HashSet<ByteString> _censored = [];
    private int _next;

    public EhrWorkload(Random random, TimeProvider time, IReadOnlyList<(string Id, SigningPublicKey Key)> validators)
    {
        _random = random;
        _time = time;
        var adminKeys = NewKeys("admin", KeyRole.Admin);
        _admin = ActorFor(adminKeys);
        Genesis = new GenesisFile(ChainId, DateTimeOffset.FromUnixTimeMilliseconds(SimClock.GenesisTimeUnixMs),
            validators.Select((v, i) => new GenesisValidator(v.Id, $"127.0.0.1:{7000 + i}", v.Key, NewEncryptionKey())).ToList(),
            new GenesisAdmin(adminKeys.Id, "The Admin", adminKeys.Signing.PublicKey, adminKeys.Encryption.PublicKey));
    }

    public GenesisFile Genesis { get; }

    public bool IsCensored(ByteString request) => _censored.Contains(request);

    public ByteString Next(bool censored)
    {
        var transaction = NextTransaction().ToByteString();
        if (censored)
        {
            _censored.Add(transaction);
        }
        return transaction;
    }

    private SignedTransaction NextTransaction()
    {
        var roll = _random.Next(100);
        if (_patients.Count < 2 || roll < 12)
        {
            return Enrol(_random.Next(3) == 0 ? KeyRole.Doctor : _random.Next(4) == 0 ? KeyRole.Laboratory : KeyRole.Patient);
        }
        if (_records.Count == 0 || roll < 30)
        {
            var owner = _patients[_random.Next(_patients.Count)];
            var created = owner.Client.CreateMedicalRecord($"record-{++_next}", [Entries.Allergy($"allergy {_next}")]);
            _records.Add(new OpenRecord(owner, created.Keys));
            return created.Transaction;
        }
        var record = _records[_random.Next(_records.Count)];
        if (_clinicians.Count > 0 && roll < 50)
        {
            var clinician = _clinicians[_random.Next(_clinicians.Count)];
            record.Grantees.Add(clinician);
            return clinician.Keys.Role == KeyRole.Laboratory
                ? record.Owner.Client.GrantAccessToLab(record.Keys, clinician.Holder)
                : record.Owner.Client.GrantAccess(record.Keys, clinician.Holder, Permission.ReadWrite);
        }
        if (record.Grantees.Count > 0 && roll < 55)
        {
            var revoked = record.Grantees[_random.Next(record.Grantees.Count)];
            record.Grantees.Remove(revoked);
            var remaining = record.Grantees.Select(g => g.Holder);
            var revocation = revoked.Keys.Role == KeyRole.Laboratory
                ? record.Owner.Client.RevokeAccessFromLab(record.Keys, revoked.Id, remaining)
                : record.Owner.Client.RevokeAccess(record.Keys, revoked.Id, remaining);
            record.Keys = revocation.Keys;
            return revocation.Transaction;
        }
        if (roll < 58)
        {
            // Not enrolled: passes every stateless check, refused at execution as an unknown signer.
            return ActorFor(NewKeys($"stranger-{++_next}", KeyRole.Patient)).Client.CreateMedicalRecord($"record-{_next}").Transaction;
        }
        var author = record.Grantees.Count > 0 && _random.Next(2) == 0 ? record.Grantees[_random.Next(record.Grantees.Count)] : record.Owner;
        return author.Client.AppendEntries(record.Keys, [Entries.Note($"note {++_next} by {author.Id}")]);
    }

    private SignedTransaction Enrol(KeyRole role)
    {
        var actor = ActorFor(NewKeys($"{role.ToString().ToLowerInvariant()}-{++_next}", role));
        (role == KeyRole.Patient ? _patients : _clinicians).Add(actor);
        return _admin.Client.AddParticipant(actor.Keys, Profiles.For(role, actor.Id));
    }

    private Actor ActorFor(KeyFile keys) => new(keys, new EhrClient(keys, ChainId, _time, () => (ulong)_random.NextInt64()));

    private KeyFile NewKeys(string id, KeyRole role)
    {
        var signing = new byte[SigningKeyPair.PrivateKeySize];
        _random.NextBytes(signing);
        var encryption = new byte[32];
        _random.NextBytes(encryption);
        return new KeyFile(id, role, SigningKeyPair.FromPrivateKey(signing), EncryptionKeyPair.FromPrivateKey(encryption));
    }

    private EncryptionPublicKey NewEncryptionKey()
    {
        var secret = new byte[32];
        _random.NextBytes(secret);
        return EncryptionKeyPair.FromPrivateKey(secret).PublicKey;
    }

    private sealed class OpenRecord(Actor owner, RecordKeyRing keys)
    {
        public Actor Owner { get; } = owner;
        public RecordKeyRing Keys { get; set; } = keys;
        public List<Actor> Grantees { get; } = [];
    }
}
