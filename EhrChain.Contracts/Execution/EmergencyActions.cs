using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using Google.Protobuf.Collections;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// Break-glass emergency access: EmergencyOpen, EmergencyClose, EmergencyRelease and
/// EmergencyReview (docs/contracts.md, "Break-glass emergency access"). Each writes a Change to
/// the record's history, so the patient sees every step as it happens.
/// </summary>
internal static class EmergencyActions
{
    public const int MaxReasonLength = 500;

    public static TxResult Open(TransactionContext tx, EmergencyOpen action)
    {
        if (tx.State.EmergencyConfig() is not { } config || config.Trustees.Count == 0)
        {
            return TxResults.Denied("This network has no emergency trustees; break-glass access is unavailable.");
        }
        if (tx.Signer.Role != ParticipantRole.Doctor)
        {
            return TxResults.Denied("Only a doctor may open emergency access to a record.");
        }
        if (CheckId(action.RecordId, "record id") is { } badId)
        {
            return badId;
        }
        if (CheckText(action.Reason, "reason") is { } badReason)
        {
            return badReason;
        }
        if (action.DurationMs < 0 || action.DurationMs > config.MaxDurationMs)
        {
            return TxResults.Invalid($"The duration must be between 0 (the network's default of {Hours(config.DefaultDurationMs)}) and the network's maximum of {Hours(config.MaxDurationMs)}.");
        }
        var record = tx.State.Record(action.RecordId);
        if (record is null)
        {
            return TxResults.NotFound("No medical record with this id exists.");
        }
        if (tx.State.LatestEmergency(record.Id, tx.Signer.Id) is { } latest && EmergencyLiveness.IsOpen(latest, tx.Now))
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The signer already holds an open emergency on this record.");
        }
        // A record created before escrow (or on a network that had none) has no shares to release.
        for (var epoch = 0u; epoch <= record.KeyEpoch; epoch++)
        {
            if (tx.State.EscrowShare(record.Id, epoch, config.Trustees[0].Id) is null)
            {
                return TxResults.Invalid("The record's data keys are not escrowed to the emergency trustees; it cannot be opened in an emergency.");
            }
        }

        var duration = action.DurationMs == 0 ? config.DefaultDurationMs : action.DurationMs;
        var emergency = new Emergency
        {
            Id = "em-" + tx.TxId.ToString()[..20],
            RecordId = record.Id,
            DoctorId = tx.Signer.Id,
            OwnerId = record.OwnerId,
            Reason = action.Reason,
            OpenedUnixMs = tx.Now,
            ExpiresUnixMs = tx.Now + duration,
            KeyEpoch = record.KeyEpoch,
            ReviewDueUnixMs = tx.Now + config.ReviewWindowMs,
            OpenedHeight = tx.Block.Height,
        };
        var pointer = new EmergencyRef { EmergencyId = emergency.Id };
        tx.Put(StateKeys.Emergency(emergency.Id), emergency);
        tx.Put(StateKeys.RecordEmergency(record.Id, emergency.Id), pointer);
        tx.Put(StateKeys.DoctorEmergency(tx.Signer.Id, emergency.Id), pointer);
        tx.Put(StateKeys.UnreviewedEmergency(emergency.Id), pointer);
        tx.Put(StateKeys.LatestEmergency(record.Id, tx.Signer.Id), pointer);
        // The doctor may come to hold the current key until the expiry: appends check the holders from then on.
        LowerHoldersExpiry(tx, record, emergency.ExpiresUnixMs);
        tx.RecordChange(StateKeys.RecordHistory(record.Id), Change(ChangeKind.EmergencyOpened, emergency));
        return TxResults.Ok();
    }

    /// <summary>
    /// The doctor or the owner ends an open emergency early. When the doctor may hold the current
    /// key (k trustees released it), only the owner can close it for good: the owner's close
    /// carries the next epoch's key, like a revocation, so nothing written afterwards is readable
    /// by the doctor; that close is accepted after the emergency ended too.
    /// </summary>
    public static TxResult Close(TransactionContext tx, EmergencyClose action)
    {
        if (Find(tx, action.EmergencyId, out var emergency) is { } missing)
        {
            return missing;
        }
        var isOwner = tx.Signer.Id == emergency.OwnerId;
        if (!isOwner && tx.Signer.Id != emergency.DoctorId)
        {
            return TxResults.Denied("Only the emergency's doctor or the record's owner may close it.");
        }
        var record = tx.State.Record(emergency.RecordId)!;
        var open = EmergencyLiveness.IsOpen(emergency, tx.Now);
        var rotates = isOwner && HoldsCurrentKey(tx.State, emergency, record);
        if (!open && !rotates)
        {
            return TxResults.Invalid("The emergency has already ended.");
        }
        if (!rotates && (action.RotatedKeys.Count != 0 || action.EscrowShares.Count != 0))
        {
            return TxResults.Invalid("Only the owner rotates the key, and only when the emergency's doctor may hold the current one.");
        }
        var closed = emergency.Clone();
        if (open)
        {
            closed.ClosedUnixMs = tx.Now;
            closed.ClosedBy = tx.Signer.Id;
            tx.Put(StateKeys.Emergency(closed.Id), closed);
            LowerHoldersExpiry(tx, record, tx.Now);
        }
        var change = Change(ChangeKind.EmergencyClosed, closed);
        if (rotates)
        {
            if (KeyRotation.Check(tx, record, null, action.RotatedKeys, action.EscrowShares, out var remaining) is { } badRotation)
            {
                return badRotation;
            }
            change.KeyEpoch = KeyRotation.Apply(tx, tx.State.Record(record.Id)!, remaining, action.RotatedKeys, action.EscrowShares);
        }
        tx.RecordChange(StateKeys.RecordHistory(emergency.RecordId), change);
        return TxResults.Ok();
    }

    /// <summary>A trustee hands the doctor its share of every escrowed epoch, re-sealed to the doctor; only while the emergency is open, once.</summary>
    public static TxResult Release(TransactionContext tx, EmergencyTrustee trustee, EmergencyRelease action)
    {
        if (Find(tx, action.EmergencyId, out var emergency) is { } missing)
        {
            return missing;
        }
        if (!EmergencyLiveness.IsOpen(emergency, tx.Now))
        {
            return TxResults.Reject(TxResultCode.Expired, "The emergency has ended; no more keys are released for it.");
        }
        if (emergency.ReleasedBy.Contains(trustee.Id))
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "This trustee has already released its shares for the emergency.");
        }
        if (!CoversEpochs(action.Shares, emergency.KeyEpoch))
        {
            return TxResults.Invalid($"A release must carry the trustee's share of every epoch 0 to {emergency.KeyEpoch}, in order, sealed to the doctor.");
        }
        var released = emergency.Clone();
        released.ReleasedBy.Add(trustee.Id);
        tx.Put(StateKeys.Emergency(released.Id), released);
        var release = new TrusteeRelease { EmergencyId = emergency.Id, TrusteeId = trustee.Id };
        release.Shares.AddRange(action.Shares);
        tx.Put(StateKeys.TrusteeRelease(emergency.Id, trustee.Id), release);
        tx.RecordChange(StateKeys.RecordHistory(emergency.RecordId), Change(ChangeKind.EmergencyReleased, released));
        return TxResults.Ok();
    }

    /// <summary>An auditor's verdict, once per emergency; a review of one still open also closes it.</summary>
    public static TxResult Review(TransactionContext tx, EmergencyReview action)
    {
        if (tx.Signer.Role != ParticipantRole.Auditor)
        {
            return TxResults.Denied("Only an auditor may review an emergency access.");
        }
        if (Find(tx, action.EmergencyId, out var emergency) is { } missing)
        {
            return missing;
        }
        if (action.Outcome is not (EmergencyOutcome.Justified or EmergencyOutcome.Escalated))
        {
            return TxResults.Invalid("The outcome must be justified or escalated.");
        }
        if (CheckText(action.Note, "note") is { } badNote)
        {
            return badNote;
        }
        if (EmergencyLiveness.IsReviewed(emergency))
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The emergency has already been reviewed.");
        }
        var reviewed = emergency.Clone();
        reviewed.Outcome = action.Outcome;
        reviewed.ReviewNote = action.Note;
        reviewed.ReviewedBy = tx.Signer.Id;
        reviewed.ReviewedUnixMs = tx.Now;
        if (EmergencyLiveness.IsOpen(emergency, tx.Now))
        {
            reviewed.ClosedUnixMs = tx.Now;
            reviewed.ClosedBy = tx.Signer.Id;
            LowerHoldersExpiry(tx, tx.State.Record(emergency.RecordId)!, tx.Now);
        }
        tx.Put(StateKeys.Emergency(reviewed.Id), reviewed);
        tx.Delete(StateKeys.UnreviewedEmergency(reviewed.Id));
        var change = Change(ChangeKind.EmergencyClosed, reviewed);
        change.EmergencyOutcome = action.Outcome;
        tx.RecordChange(StateKeys.RecordHistory(emergency.RecordId), change);
        return TxResults.Ok();
    }

    /// <summary>
    /// Whether an emergency that has ended left its doctor able to hold the record's current key:
    /// k trustees released it and no rotation happened since. Appends are refused until the owner
    /// rotates, as for an expired grant.
    /// </summary>
    public static bool HoldsCurrentKeyAfterEnd(EhrState state, MedicalRecord record, long now) =>
        state.EmergenciesByPrefix(StateKeys.RecordEmergencies(record.Id))
            .Any(e => !EmergencyLiveness.IsOpen(e, now) && HoldsCurrentKey(state, e, record));

    private static bool HoldsCurrentKey(EhrState state, Emergency emergency, MedicalRecord record) =>
        emergency.KeyEpoch == record.KeyEpoch
        && state.EmergencyConfig() is { } config
        && emergency.ReleasedBy.Count >= config.Threshold;

    private static TxResult? Find(TransactionContext tx, string emergencyId, out Emergency emergency)
    {
        emergency = null!;
        if (CheckId(emergencyId, "emergency id") is { } badId)
        {
            return badId;
        }
        var found = tx.State.Emergency(emergencyId);
        if (found is null)
        {
            return TxResults.NotFound("No emergency with this id exists.");
        }
        emergency = found;
        return null;
    }

    private static void LowerHoldersExpiry(TransactionContext tx, MedicalRecord record, long atUnixMs)
    {
        if (record.HoldersExpireByUnixMs == 0 || atUnixMs < record.HoldersExpireByUnixMs)
        {
            var updated = record.Clone();
            updated.HoldersExpireByUnixMs = atUnixMs;
            tx.Put(StateKeys.Record(record.Id), updated);
        }
    }

    private static TxResult? CheckText(string text, string what) =>
        string.IsNullOrWhiteSpace(text) || text.Length > MaxReasonLength
            ? TxResults.Invalid($"The {what} must be 1 to {MaxReasonLength} characters, not blank.")
            : null;

    private static bool CoversEpochs(RepeatedField<EscrowedShare> shares, uint lastEpoch)
    {
        if (shares.Count != (long)lastEpoch + 1)
        {
            return false;
        }
        for (var i = 0; i < shares.Count; i++)
        {
            if (shares[i].Epoch != (uint)i || !Escrow.IsSealedShare(shares[i].SealedShare))
            {
                return false;
            }
        }
        return true;
    }

    // Invariant: the reason is in the block's results, which every node must derive byte for byte.
    private static string Hours(long ms) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ms / 3_600_000.0:0.##} h");

    private static Change Change(ChangeKind kind, Emergency emergency) => new()
    {
        Kind = kind,
        SubjectId = emergency.RecordId,
        GranteeId = emergency.DoctorId,
        EmergencyId = emergency.Id,
        KeyEpoch = emergency.KeyEpoch,
    };
}
