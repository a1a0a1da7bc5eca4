using System.Security.Cryptography;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Client;

/// <summary>
/// One participant's side of the EHR contract: builds and signs every transaction from their key
/// file, encrypts entries and seals data keys before anything leaves the machine, signs read
/// requests, and decrypts what the chain returns. Content and data keys never travel in clear.
/// </summary>
public sealed class EhrClient
{
    private readonly KeyFile _identity;
    private readonly string _chainId;
    private readonly TimeProvider _time;
    private readonly Func<ulong> _nonces;
    private readonly EmergencyEscrow? _escrow;

    /// <param name="identity">The participant's key file.</param>
    /// <param name="chainId">The chain id of the genesis file.</param>
    /// <param name="time">The clock that stamps transactions and read requests.</param>
    /// <param name="nonces">Where nonces come from; random by default, so identical actions still get distinct ids.</param>
    /// <param name="escrow">The network's emergency trustees (from the genesis file): every new epoch key is split among them. Null on a network without break-glass.</param>
    public EhrClient(KeyFile identity, string chainId, TimeProvider time, Func<ulong>? nonces = null, EmergencyEscrow? escrow = null)
    {
        _identity = identity ?? throw new ArgumentNullException(nameof(identity));
        _chainId = Core.Identifiers.Require(chainId, "Chain id");
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _nonces = nonces ?? RandomNonce;
        _escrow = escrow;
    }

    public string Id => _identity.Id;

    public KeyHolder AsKeyHolder() => new(_identity.Id, _identity.Encryption.PublicKey);

    /// <summary>
    /// Enrols a participant with their profile sealed to them, to this (enrolling) Admin and to
    /// <paramref name="moreReaders"/>: the chain carries only ciphertext and sealed keys.
    /// </summary>
    public SignedTransaction AddParticipant(
        string participantId, ParticipantRole role, Profile profile, SigningPublicKey signingKey, EncryptionPublicKey encryptionKey,
        IEnumerable<KeyHolder>? moreReaders = null)
    {
        ArgumentNullException.ThrowIfNull(signingKey);
        ArgumentNullException.ThrowIfNull(encryptionKey);
        var readers = new[] { new KeyHolder(participantId, encryptionKey), AsKeyHolder() }.Concat(moreReaders ?? []);
        return Sign(p => p.AddParticipant = new AddParticipant
        {
            ParticipantId = participantId,
            Role = role,
            SealedProfile = ProfileSeal.Seal(participantId, 1, profile, ContentCipher.GenerateKey(), readers),
            SigningPublicKey = ByteString.CopyFrom(signingKey.Bytes),
            EncryptionPublicKey = ByteString.CopyFrom(encryptionKey.Bytes),
        });
    }

    /// <summary>Enrols the holder of <paramref name="keys"/> with the role of their key file.</summary>
    public SignedTransaction AddParticipant(KeyFile keys, Profile profile)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var role = keys.Role switch
        {
            KeyRole.Patient => ParticipantRole.Patient,
            KeyRole.Doctor => ParticipantRole.Doctor,
            KeyRole.Laboratory => ParticipantRole.Laboratory,
            KeyRole.Admin => ParticipantRole.Admin,
            KeyRole.Auditor => ParticipantRole.Auditor,
            KeyRole.Pharmacist => ParticipantRole.Pharmacist,
            _ => throw new ArgumentException($"A {keys.Role} key file is not a participant's.", nameof(keys)),
        };
        return AddParticipant(keys.Id, role, profile, keys.Signing.PublicKey, keys.Encryption.PublicKey);
    }

    /// <summary>
    /// Replaces a participant's profile with <paramref name="version"/> (the current one plus one)
    /// under a fresh key sealed to exactly <paramref name="readers"/>: changing the profile, sharing
    /// it with someone more, and withdrawing it from someone are all this one transaction.
    /// </summary>
    public SignedTransaction UpdateProfile(string participantId, uint version, Profile profile, IEnumerable<KeyHolder> readers) =>
        Sign(p => p.UpdateParticipant = new UpdateParticipant
        {
            ParticipantId = participantId,
            SealedProfile = ProfileSeal.Seal(participantId, version, profile, ContentCipher.GenerateKey(), readers),
        });

    /// <summary>The profile key of <paramref name="participant"/> as sealed to this client, or null when they do not share it with this client.</summary>
    public byte[]? OpenProfileKey(ParticipantProfile participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        return ProfileSeal.OpenKey(participant.SealedProfile, Id, _identity.Encryption);
    }

    /// <summary>The profile of <paramref name="participant"/> in clear, or null when it is not shared with this client (or has none).</summary>
    public Profile? OpenProfile(ParticipantProfile participant) =>
        OpenProfileKey(participant) is { } key ? ProfileSeal.Open(participant.Id, participant.SealedProfile, key) : null;

    /// <summary>Replaces this participant's own public keys; either may be null to keep it.</summary>
    public SignedTransaction ChangeOwnKeys(SigningPublicKey? signingKey, EncryptionPublicKey? encryptionKey) =>
        Sign(p => p.UpdateParticipant = new UpdateParticipant
        {
            ParticipantId = Id,
            SigningPublicKey = signingKey is null ? ByteString.Empty : ByteString.CopyFrom(signingKey.Bytes),
            EncryptionPublicKey = encryptionKey is null ? ByteString.Empty : ByteString.CopyFrom(encryptionKey.Bytes),
        });

    /// <summary>An Admin suspending or reactivating a participant.</summary>
    public SignedTransaction SetStatus(string participantId, ParticipantStatus status) =>
        Sign(p => p.UpdateParticipant = new UpdateParticipant { ParticipantId = participantId, Status = status });

    /// <summary>Creates a record owned by this patient with a fresh data key sealed to themselves, and optional first entries.</summary>
    public KeyedTransaction CreateMedicalRecord(string recordId, IEnumerable<PlainEntry>? initialEntries = null)
    {
        var keys = RecordKeyRing.CreateNew(recordId);
        var action = new CreateMedicalRecord
        {
            RecordId = recordId,
            OwnerSealedKey = ByteString.CopyFrom(SealedBox.Seal(_identity.Encryption.PublicKey, keys.KeyFor(0))),
        };
        action.InitialEntries.AddRange(Encrypt(keys, initialEntries ?? []));
        action.EscrowShares.AddRange(Escrow(keys.KeyFor(0)));
        return new KeyedTransaction(Sign(p => p.CreateMedicalRecord = action), keys);
    }

    /// <summary>
    /// Grants a doctor access, sealing the data key of every epoch to them so they can read the
    /// whole record; with <paramref name="profileKey"/> (this owner's profile key) the doctor can
    /// read the patient's profile too.
    /// </summary>
    public SignedTransaction GrantAccess(RecordKeyRing keys, KeyHolder doctor, Permission permission, DateTimeOffset? expires = null, byte[]? profileKey = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(doctor);
        var action = new GrantAccess
        {
            RecordId = keys.RecordId,
            DoctorId = doctor.Id,
            Permission = permission,
            ExpiresUnixMs = expires?.ToUnixTimeMilliseconds() ?? 0,
            ProfileKey = profileKey is null ? null : ProfileSeal.SealKey(profileKey, doctor),
        };
        action.SealedKeys.AddRange(SealEveryEpoch(keys, doctor));
        return Sign(p => p.GrantAccess = action);
    }

    public SignedTransaction GrantAccessToLab(RecordKeyRing keys, KeyHolder laboratory, DateTimeOffset? expires = null, byte[]? profileKey = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(laboratory);
        var action = new GrantAccessToLab
        {
            RecordId = keys.RecordId,
            LaboratoryId = laboratory.Id,
            ExpiresUnixMs = expires?.ToUnixTimeMilliseconds() ?? 0,
            ProfileKey = profileKey is null ? null : ProfileSeal.SealKey(profileKey, laboratory),
        };
        action.SealedKeys.AddRange(SealEveryEpoch(keys, laboratory));
        return Sign(p => p.GrantAccessToLab = action);
    }

    /// <summary>
    /// Revokes a doctor's grant and rotates the data key: the next epoch's key is sealed to this
    /// owner and to each of <paramref name="remainingGrantees"/> (every other live grantee).
    /// </summary>
    public KeyedTransaction RevokeAccess(RecordKeyRing keys, string doctorId, IEnumerable<KeyHolder> remainingGrantees)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var rotated = keys.WithNextEpoch(out var nextKey);
        var action = new RevokeAccess { RecordId = keys.RecordId, DoctorId = doctorId };
        action.RotatedKeys.AddRange(SealToReaders(nextKey, remainingGrantees));
        action.EscrowShares.AddRange(Escrow(nextKey));
        return new KeyedTransaction(Sign(p => p.RevokeAccess = action), rotated);
    }

    public KeyedTransaction RevokeAccessFromLab(RecordKeyRing keys, string laboratoryId, IEnumerable<KeyHolder> remainingGrantees)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var rotated = keys.WithNextEpoch(out var nextKey);
        var action = new RevokeAccessFromLab { RecordId = keys.RecordId, LaboratoryId = laboratoryId };
        action.RotatedKeys.AddRange(SealToReaders(nextKey, remainingGrantees));
        action.EscrowShares.AddRange(Escrow(nextKey));
        return new KeyedTransaction(Sign(p => p.RevokeAccessFromLab = action), rotated);
    }

    /// <summary>A doctor opens break-glass access to a record; <paramref name="duration"/> null takes the network's default.</summary>
    public SignedTransaction OpenEmergency(string recordId, string reason, TimeSpan? duration = null) =>
        Sign(p => p.EmergencyOpen = new EmergencyOpen
        {
            RecordId = recordId,
            Reason = reason,
            DurationMs = duration is { } d ? (long)d.TotalMilliseconds : 0,
        });

    /// <summary>The doctor (or the owner, while the doctor cannot hold the current key) ends an emergency early.</summary>
    public SignedTransaction CloseEmergency(string emergencyId) =>
        Sign(p => p.EmergencyClose = new EmergencyClose { EmergencyId = emergencyId });

    /// <summary>
    /// The owner closes an emergency whose doctor may hold the current key (k trustees released
    /// it), open or lapsed: the key rotates to a new epoch sealed to this owner and to each of
    /// <paramref name="remainingGrantees"/>, as a revocation does.
    /// </summary>
    public KeyedTransaction CloseEmergencyAndRotate(RecordKeyRing keys, string emergencyId, IEnumerable<KeyHolder> remainingGrantees)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var rotated = keys.WithNextEpoch(out var nextKey);
        var action = new EmergencyClose { EmergencyId = emergencyId };
        action.RotatedKeys.AddRange(SealToReaders(nextKey, remainingGrantees));
        action.EscrowShares.AddRange(Escrow(nextKey));
        return new KeyedTransaction(Sign(p => p.EmergencyClose = action), rotated);
    }

    /// <summary>An auditor's verdict on an emergency.</summary>
    public SignedTransaction ReviewEmergency(string emergencyId, EmergencyOutcome outcome, string note) =>
        Sign(p => p.EmergencyReview = new EmergencyReview { EmergencyId = emergencyId, Outcome = outcome, Note = note });

    /// <summary>Appends entries encrypted under the ring's current epoch, authored by this participant.</summary>
    public SignedTransaction AppendEntries(RecordKeyRing keys, IEnumerable<PlainEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var action = new UpdateAsset { RecordId = keys.RecordId };
        action.Entries.AddRange(Encrypt(keys, entries));
        return Sign(p => p.UpdateAsset = action);
    }

    /// <summary>Appends entries with the key of a chosen epoch, as a client with an out-of-date ring would; the chain refuses a stale epoch.</summary>
    public SignedTransaction AppendEntriesAtEpoch(RecordKeyRing keys, uint epoch, IEnumerable<PlainEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var action = new UpdateAsset { RecordId = keys.RecordId };
        action.Entries.AddRange(Encrypt(keys.RecordId, epoch, keys.KeyFor(epoch), entries));
        return Sign(p => p.UpdateAsset = action);
    }

    public SignedReadRequest Read(ReadQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var request = new ReadRequest
        {
            ChainId = _chainId,
            ReaderId = Id,
            CreatedUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
            Nonce = _nonces(),
            Query = query,
        }.ToByteArray();
        return new SignedReadRequest
        {
            Request = ByteString.CopyFrom(request),
            Signature = ByteString.CopyFrom(_identity.Signing.Sign(SigningDomain.ReadRequest, request)),
        };
    }

    /// <summary>Opens the data keys sealed to this reader in a record view; epochs sealed to others are simply absent.</summary>
    public RecordKeyRing OpenKeys(RecordView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var keys = new SortedDictionary<uint, byte[]>();
        foreach (var sealedKey in view.ReaderKeys)
        {
            try
            {
                keys[sealedKey.Epoch] = SealedBox.Open(_identity.Encryption, sealedKey.SealedKey.Span);
            }
            catch (CryptographicException)
            {
                // Sealed to an earlier encryption key of this reader, or damaged: that epoch stays unreadable.
            }
        }
        return new RecordKeyRing(view.Record.Id, view.Record.KeyEpoch, keys);
    }

    /// <summary>Decrypts every entry of a record view this reader holds the key for.</summary>
    public IReadOnlyList<DecryptedEntry> Decrypt(RecordView view)
    {
        var keys = OpenKeys(view);
        return view.Entries.Select(entry => Decrypt(keys, entry)).ToList();
    }

    public static DecryptedEntry Decrypt(RecordKeyRing keys, RecordEntry entry)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(entry);
        if (!keys.HasKey(entry.KeyEpoch))
        {
            return new DecryptedEntry(entry, null, $"No data key for epoch {entry.KeyEpoch} is held.");
        }
        try
        {
            var associated = EntryBinding.AssociatedData(entry.RecordId, entry.Kind, entry.AuthorId, entry.KeyEpoch);
            return new DecryptedEntry(entry, ContentCipher.Decrypt(keys.KeyFor(entry.KeyEpoch), entry.Ciphertext.Span, associated), null);
        }
        catch (CryptographicException e)
        {
            return new DecryptedEntry(entry, null, e.Message);
        }
    }

    /// <summary>
    /// Shares one prescription with one pharmacist: its content, decrypted here with the record's
    /// keys, encrypted again under a fresh key that is sealed to the pharmacist alone, so the
    /// pharmacist reads this entry and nothing else of the record.
    /// </summary>
    public SignedTransaction SharePrescription(RecordKeyRing keys, RecordEntry prescription, KeyHolder pharmacist)
    {
        ArgumentNullException.ThrowIfNull(prescription);
        ArgumentNullException.ThrowIfNull(pharmacist);
        var opened = Decrypt(keys, prescription);
        if (opened.Content is null)
        {
            throw new CryptographicException($"The prescription cannot be decrypted: {opened.Problem}");
        }
        var copyKey = ContentCipher.GenerateKey();
        try
        {
            var copy = ContentCipher.Encrypt(copyKey, opened.Content, PrescriptionBinding.AssociatedData(prescription.RecordId, prescription.Index, pharmacist.Id));
            var action = new SharePrescription
            {
                RecordId = prescription.RecordId,
                EntryIndex = prescription.Index,
                PharmacistId = pharmacist.Id,
                Ciphertext = ByteString.CopyFrom(copy),
                SealedKey = ByteString.CopyFrom(SealedBox.Seal(pharmacist.EncryptionKey, copyKey)),
            };
            return Sign(p => p.SharePrescription = action);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copyKey);
        }
    }

    /// <summary>A pharmacist's reading of a prescription shared with it; throws when the copy is not for this key or was altered.</summary>
    public byte[] OpenPrescription(PrescriptionShare share)
    {
        ArgumentNullException.ThrowIfNull(share);
        var copyKey = SealedBox.Open(_identity.Encryption, share.SealedKey.Span);
        try
        {
            return ContentCipher.Decrypt(copyKey, share.Ciphertext.Span, PrescriptionBinding.AssociatedData(share.RecordId, share.EntryIndex, Id));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copyKey);
        }
    }

    public SignedTransaction DispensePrescription(string recordId, uint entryIndex) =>
        Sign(p => p.DispensePrescription = new DispensePrescription { RecordId = recordId, EntryIndex = entryIndex });

    /// <summary>A validator's vote for a change of the validator set; this client's identity must be the validator's node key file.</summary>
    public SignedTransaction VoteValidatorChange(ValidatorChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        return Sign(p => p.VoteValidatorChange = new VoteValidatorChange { Change = change });
    }

    /// <summary>Signs a transaction carrying whatever action <paramref name="setAction"/> sets, as built: for actions the typed methods do not make.</summary>
    public SignedTransaction Sign(Action<TransactionPayload> setAction)
    {
        ArgumentNullException.ThrowIfNull(setAction);
        var payload = new TransactionPayload
        {
            ChainId = _chainId,
            SignerId = Id,
            Nonce = _nonces(),
            CreatedUnixMs = _time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        setAction(payload);
        var bytes = payload.ToByteArray();
        return new SignedTransaction
        {
            Payload = ByteString.CopyFrom(bytes),
            Signature = ByteString.CopyFrom(_identity.Signing.Sign(SigningDomain.Transaction, bytes)),
        };
    }

    private List<NewEntry> Encrypt(RecordKeyRing keys, IEnumerable<PlainEntry> entries) =>
        Encrypt(keys.RecordId, keys.CurrentEpoch, keys.KeyFor(keys.CurrentEpoch), entries);

    private List<NewEntry> Encrypt(string recordId, uint epoch, byte[] key, IEnumerable<PlainEntry> entries) =>
        entries.Select(entry => new NewEntry
        {
            Kind = entry.Kind,
            KeyEpoch = epoch,
            Ciphertext = ByteString.CopyFrom(ContentCipher.Encrypt(key, entry.Content, EntryBinding.AssociatedData(recordId, entry.Kind, Id, epoch))),
        }).ToList();

    private static IEnumerable<EpochKey> SealEveryEpoch(RecordKeyRing keys, KeyHolder reader) =>
        Enumerable.Range(0, checked((int)keys.CurrentEpoch + 1)).Select(epoch => new EpochKey
        {
            Epoch = (uint)epoch,
            SealedKey = ByteString.CopyFrom(SealedBox.Seal(reader.EncryptionKey, keys.KeyFor((uint)epoch))),
        });

    private List<ReaderKey> SealToReaders(byte[] key, IEnumerable<KeyHolder> remainingGrantees) =>
        remainingGrantees.Prepend(AsKeyHolder()).Select(reader => new ReaderKey
        {
            ReaderId = reader.Id,
            SealedKey = ByteString.CopyFrom(SealedBox.Seal(reader.EncryptionKey, key)),
        }).ToList();

    private IEnumerable<EscrowShare> Escrow(byte[] dataKey) => _escrow?.Split(dataKey) ?? [];

    private static ulong RandomNonce() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
}
