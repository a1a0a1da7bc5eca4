using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// Sharing one prescription with one pharmacist, and that pharmacist's dispensing of it, once:
/// SharePrescription and DispensePrescription. A pharmacist never holds a record's data key; what
/// it reads is the copy of the one prescription encrypted to it (docs/contracts.md, "Pharmacists").
/// </summary>
internal static class PrescriptionActions
{
    public static TxResult Share(TransactionContext tx, SharePrescription action)
    {
        if (Prescription(tx, action.RecordId, action.EntryIndex, out var record, out var entry) is { } missing)
        {
            return missing;
        }
        var isOwner = tx.Signer.Id == record.OwnerId;
        var isPrescriber = tx.Signer.Id == entry.AuthorId && RecordAccess.HoldsLiveGrant(tx.State, record.Id, tx.Signer.Id, tx.Now);
        if (!isOwner && !isPrescriber)
        {
            return TxResults.Denied("Only the record's owner, or the doctor who wrote the prescription while their grant is live, may share it.");
        }
        if (CheckId(action.PharmacistId, "pharmacist id") is { } badId)
        {
            return badId;
        }
        var pharmacist = tx.State.Participant(action.PharmacistId);
        if (pharmacist is null || pharmacist.Role != ParticipantRole.Pharmacist)
        {
            return TxResults.NotFound("No pharmacist with this id is enrolled.");
        }
        if (pharmacist.Status != ParticipantStatus.Active)
        {
            return TxResults.Invalid("The pharmacist is suspended.");
        }
        if (action.Ciphertext.Length <= ContentCipher.Overhead || action.Ciphertext.Length > MaxEntryCiphertextBytes)
        {
            return TxResults.Invalid($"The prescription's copy must be AES-GCM ciphertext of at most {MaxEntryCiphertextBytes} bytes.");
        }
        if (!IsSealedDataKey(action.SealedKey))
        {
            return TxResults.Invalid("The copy's key must be sealed to the pharmacist.");
        }
        if (tx.State.Dispensing(record.Id, entry.Index) is not null)
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The prescription has been dispensed; it cannot be shared again.");
        }

        if (tx.State.PrescriptionShare(record.Id, entry.Index) is { } earlier && earlier.PharmacistId != pharmacist.Id)
        {
            tx.Delete(StateKeys.SharedPrescription(earlier.PharmacistId, record.Id, entry.Index));
        }
        tx.Put(StateKeys.PrescriptionShare(record.Id, entry.Index), new PrescriptionShare
        {
            RecordId = record.Id,
            EntryIndex = entry.Index,
            PharmacistId = pharmacist.Id,
            SharedBy = tx.Signer.Id,
            SharedUnixMs = tx.Now,
            Ciphertext = action.Ciphertext,
            SealedKey = action.SealedKey,
            PrescriberId = entry.AuthorId,
            PrescribedUnixMs = entry.TimeUnixMs,
        });
        tx.Put(StateKeys.SharedPrescription(pharmacist.Id, record.Id, entry.Index), new PrescriptionRef { RecordId = record.Id, EntryIndex = entry.Index });
        tx.RecordChange(StateKeys.RecordHistory(record.Id), Change(ChangeKind.PrescriptionShared, record, entry, pharmacist.Id));
        return TxResults.Ok();
    }

    public static TxResult Dispense(TransactionContext tx, DispensePrescription action)
    {
        if (tx.Signer.Role != ParticipantRole.Pharmacist)
        {
            return TxResults.Denied("Only a pharmacist may record the dispensing of a prescription.");
        }
        if (Prescription(tx, action.RecordId, action.EntryIndex, out var record, out var entry) is { } missing)
        {
            return missing;
        }
        if (tx.State.PrescriptionShare(record.Id, entry.Index)?.PharmacistId != tx.Signer.Id)
        {
            return TxResults.Denied("The prescription is not shared with the signer.");
        }
        if (tx.State.Dispensing(record.Id, entry.Index) is not null)
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The prescription has already been dispensed.");
        }

        tx.Put(StateKeys.Dispensing(record.Id, entry.Index), new PrescriptionDispensing
        {
            RecordId = record.Id,
            EntryIndex = entry.Index,
            PharmacistId = tx.Signer.Id,
            DispensedUnixMs = tx.Now,
            TxId = tx.TxId.ToByteString(),
        });
        tx.RecordChange(StateKeys.RecordHistory(record.Id), Change(ChangeKind.PrescriptionDispensed, record, entry, tx.Signer.Id));
        return TxResults.Ok();
    }

    /// <summary>The record and its entry at <paramref name="index"/>, which must be a prescription.</summary>
    private static TxResult? Prescription(TransactionContext tx, string recordId, uint index, out MedicalRecord record, out RecordEntry entry)
    {
        record = null!;
        entry = null!;
        if (CheckId(recordId, "record id") is { } badId)
        {
            return badId;
        }
        if (tx.State.Record(recordId) is not { } found)
        {
            return TxResults.NotFound("No medical record with this id exists.");
        }
        if (index >= found.EntryCount || tx.State.Entry(found.Id, index) is not { } foundEntry)
        {
            return TxResults.NotFound("The record has no entry at this index.");
        }
        if (foundEntry.Kind != EntryKind.Prescription)
        {
            return TxResults.Invalid("The entry is not a prescription.");
        }
        record = found;
        entry = foundEntry;
        return null;
    }

    private static Change Change(ChangeKind kind, MedicalRecord record, RecordEntry entry, string pharmacistId)
    {
        var change = new Change { Kind = kind, SubjectId = record.Id, GranteeId = pharmacistId, KeyEpoch = record.KeyEpoch };
        change.EntryIndices.Add(entry.Index);
        change.EntryKinds.Add(entry.Kind);
        return change;
    }
}
