using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using Google.Protobuf.Collections;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>Creating a medical record and appending entries to it: CreateMedicalRecord and UpdateAsset.</summary>
internal static class RecordActions
{
    public static TxResult Create(TransactionContext tx, CreateMedicalRecord action)
    {
        if (tx.Signer.Role != ParticipantRole.Patient)
        {
            return TxResults.Denied("Only a patient may create a medical record, and only their own.");
        }
        if (CheckId(action.RecordId, "record id") is { } badId)
        {
            return badId;
        }
        if (!IsSealedDataKey(action.OwnerSealedKey))
        {
            return TxResults.Invalid("The record's data key must be sealed to its owner.");
        }
        if (CheckEntries(action.InitialEntries, currentEpoch: 0) is { } badEntries)
        {
            return badEntries;
        }
        if (action.InitialEntries.Any(e => e.Kind == EntryKind.LabResult))
        {
            return TxResults.Denied("Only a laboratory may append lab results.");
        }
        if (action.InitialEntries.Any(e => e.Kind == EntryKind.Prescription))
        {
            return TxResults.Denied("Only a doctor may write a prescription.");
        }
        if (Escrow.Check(tx.State.EmergencyConfig(), action.EscrowShares) is { } badEscrow)
        {
            return badEscrow;
        }
        if (tx.State.Record(action.RecordId) is not null)
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The record id is already taken.");
        }

        var record = new MedicalRecord
        {
            Id = action.RecordId,
            OwnerId = tx.Signer.Id,
            CreatedUnixMs = tx.Now,
            CreatedBy = tx.Signer.Id,
            KeyEpoch = 0,
        };
        tx.Put(StateKeys.OwnedRecord(tx.Signer.Id, record.Id), new RecordRef { RecordId = record.Id, OwnerId = tx.Signer.Id });
        tx.Put(StateKeys.SealedKey(record.Id, 0, tx.Signer.Id), new SealedDataKey
        {
            RecordId = record.Id,
            Epoch = 0,
            ReaderId = tx.Signer.Id,
            SealedKey = action.OwnerSealedKey,
        });
        Escrow.Store(tx, record.Id, 0, action.EscrowShares);
        var change = new Change { Kind = ChangeKind.RecordCreated, SubjectId = record.Id, KeyEpoch = 0 };
        Append(tx, record, action.InitialEntries, change);
        tx.RecordChange(StateKeys.RecordHistory(record.Id), change);
        return TxResults.Ok();
    }

    public static TxResult Append(TransactionContext tx, UpdateAsset action)
    {
        var record = tx.State.Record(action.RecordId);
        if (record is null)
        {
            return TxResults.NotFound("No medical record with this id exists.");
        }
        if (action.Entries.Count == 0)
        {
            return TxResults.Invalid("An update must append at least one entry.");
        }
        if (WriterDenial(tx, record, action.Entries) is { } denied)
        {
            return denied;
        }
        if (CheckEntries(action.Entries, record.KeyEpoch) is { } badEntries)
        {
            return badEntries;
        }
        if (HasLapsedKeyHolder(tx, record))
        {
            return TxResults.Reject(TxResultCode.StaleKeyEpoch,
                "The grant of a reader who holds the current data key has expired; the owner must rotate the key (revoke that reader) before more entries are written.");
        }
        if (HoldersMayHaveLapsed(tx, record) && EmergencyActions.HoldsCurrentKeyAfterEnd(tx.State, record, tx.Now))
        {
            return TxResults.Reject(TxResultCode.StaleKeyEpoch,
                "An ended emergency's doctor may hold the current data key; the owner must rotate the key (close the emergency with a new key) before more entries are written.");
        }

        var change = new Change { Kind = ChangeKind.EntriesAppended, SubjectId = record.Id, KeyEpoch = record.KeyEpoch };
        Append(tx, record.Clone(), action.Entries, change);
        tx.RecordChange(StateKeys.RecordHistory(record.Id), change);
        return TxResults.Ok();
    }

    /// <summary>
    /// Who may append what: the owner anything but lab results and prescriptions; a doctor with a
    /// live read-write grant whose directory holds the patient, clinical kinds and prescriptions; a
    /// laboratory with a live grant, lab results only. Nobody else.
    /// </summary>
    private static TxResult? WriterDenial(TransactionContext tx, MedicalRecord record, RepeatedField<NewEntry> entries)
    {
        var anyLabResult = entries.Any(e => e.Kind == EntryKind.LabResult);
        if (tx.Signer.Id == record.OwnerId)
        {
            return anyLabResult ? TxResults.Denied("Only a laboratory may append lab results.")
                : entries.Any(e => e.Kind == EntryKind.Prescription) ? TxResults.Denied("Only a doctor may write a prescription.")
                : null;
        }
        if (tx.Signer.Role is not (ParticipantRole.Doctor or ParticipantRole.Laboratory))
        {
            return TxResults.Denied("Only the record's owner and doctors or laboratories with a live grant may append to it.");
        }

        var grant = tx.State.Grant(record.Id, tx.Signer.Id);
        if (grant is null || GrantLiveness.IsRevoked(grant))
        {
            return TxResults.Denied("The signer holds no live grant on the record.");
        }
        if (GrantLiveness.IsExpired(grant, tx.Now))
        {
            return TxResults.Reject(TxResultCode.Expired, "The signer's grant on the record expired before this block.");
        }
        if (tx.Signer.Role == ParticipantRole.Laboratory)
        {
            return entries.All(e => e.Kind == EntryKind.LabResult) ? null : TxResults.Denied("A laboratory may append lab results only.");
        }
        if (grant.Permission != Permission.ReadWrite)
        {
            return TxResults.Denied("The signer's grant on the record is read-only.");
        }
        if (tx.State.DirectoryEntry(tx.Signer.Id, record.OwnerId) is null)
        {
            return TxResults.Denied("The record's owner is not in the signer's directory of patients.");
        }
        return anyLabResult ? TxResults.Denied("A doctor may append clinical entries only; lab results come from laboratories.") : null;
    }

    /// <summary>
    /// A reader who holds the current epoch's key without a live grant. Expiry, unlike revocation,
    /// happens without a transaction and so without a rotation; refusing new entries under such a
    /// key is what keeps them unreadable by a party whose grant has lapsed.
    /// </summary>
    private static bool HasLapsedKeyHolder(TransactionContext tx, MedicalRecord record) =>
        HoldersMayHaveLapsed(tx, record)
        && tx.State.SealedKeys(record.Id, record.KeyEpoch)
            .Where(k => k.ReaderId != record.OwnerId)
            .Select(k => k.ReaderId)
            .Any(reader => tx.State.Grant(record.Id, reader) is not { } grant || !GrantLiveness.IsLive(grant, tx.Now));

    /// <summary>
    /// Before the earliest end among the current key's holders (grants with an expiry, and
    /// emergencies, which lower it when they open and when they close) nobody can have lapsed.
    /// </summary>
    private static bool HoldersMayHaveLapsed(TransactionContext tx, MedicalRecord record) =>
        record.HoldersExpireByUnixMs != 0 && tx.Now >= record.HoldersExpireByUnixMs;

    private static void Append(TransactionContext tx, MedicalRecord record, RepeatedField<NewEntry> entries, Change change)
    {
        foreach (var entry in entries)
        {
            var index = record.EntryCount++;
            tx.Put(StateKeys.Entry(record.Id, index), new RecordEntry
            {
                RecordId = record.Id,
                Index = index,
                Kind = entry.Kind,
                AuthorId = tx.Signer.Id,
                TimeUnixMs = tx.Now,
                KeyEpoch = entry.KeyEpoch,
                Ciphertext = entry.Ciphertext,
                Height = tx.Block.Height,
                TxId = tx.TxId.ToByteString(),
            });
            change.EntryIndices.Add(index);
            change.EntryKinds.Add(entry.Kind);
        }
        tx.Put(StateKeys.Record(record.Id), record);
    }
}
