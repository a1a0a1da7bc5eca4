using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using Google.Protobuf.Collections;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>Granting and revoking access to a record: GrantAccess, GrantAccessToLab, RevokeAccess, RevokeAccessFromLab.</summary>
internal static class GrantActions
{
    public static TxResult GrantToDoctor(TransactionContext tx, GrantAccess action) =>
        Grant(tx, action.RecordId, action.DoctorId, ParticipantRole.Doctor, action.Permission, action.ExpiresUnixMs, action.SealedKeys, action.ProfileKey);

    // A laboratory reads the record and appends lab results, so its grant is always read-write;
    // what it may write is limited by entry kind, not by the grant.
    public static TxResult GrantToLab(TransactionContext tx, GrantAccessToLab action) =>
        Grant(tx, action.RecordId, action.LaboratoryId, ParticipantRole.Laboratory, Permission.ReadWrite, action.ExpiresUnixMs, action.SealedKeys, action.ProfileKey);

    public static TxResult RevokeFromDoctor(TransactionContext tx, RevokeAccess action) =>
        Revoke(tx, action.RecordId, action.DoctorId, ParticipantRole.Doctor, action.RotatedKeys, action.EscrowShares);

    public static TxResult RevokeFromLab(TransactionContext tx, RevokeAccessFromLab action) =>
        Revoke(tx, action.RecordId, action.LaboratoryId, ParticipantRole.Laboratory, action.RotatedKeys, action.EscrowShares);

    private static TxResult Grant(
        TransactionContext tx, string recordId, string granteeId, ParticipantRole granteeRole,
        Permission permission, long expiresUnixMs, RepeatedField<EpochKey> sealedKeys, ReaderKey? profileKey)
    {
        if (OwnedRecord(tx, recordId, "grant access to", out var record) is { } refused)
        {
            return refused;
        }
        var grantee = tx.State.Participant(granteeId);
        if (grantee is null)
        {
            return TxResults.NotFound("The grantee is not an enrolled participant.");
        }
        if (grantee.Role != granteeRole)
        {
            return TxResults.Invalid(granteeRole == ParticipantRole.Doctor
                ? "The grantee is not a doctor; GrantAccess is for doctors."
                : "The grantee is not a laboratory; GrantAccessToLab is for laboratories.");
        }
        if (grantee.Status != ParticipantStatus.Active)
        {
            return TxResults.Invalid("The grantee is suspended and cannot be granted access.");
        }
        if (permission is not (Permission.Read or Permission.ReadWrite))
        {
            return TxResults.Invalid("The permission must be read or read-write.");
        }
        if (expiresUnixMs < 0 || (expiresUnixMs != 0 && expiresUnixMs <= tx.Now))
        {
            return TxResults.Invalid("The expiry must be after the block time (or absent).");
        }
        if (!CoversEveryEpoch(sealedKeys, record.KeyEpoch))
        {
            return TxResults.Reject(TxResultCode.StaleKeyEpoch,
                $"The grant must carry the data key of every epoch 0 to {record.KeyEpoch}, in order, sealed to the grantee.");
        }
        var owner = tx.Signer;
        if (profileKey is not null && ProfileKeyProblem(owner, grantee.Id, profileKey) is { } badProfileKey)
        {
            return badProfileKey;
        }

        // Granting again replaces the earlier grant: a new permission or expiry, or a fresh start after a revocation.
        tx.Put(StateKeys.Grant(record.Id, grantee.Id), new AccessGrant
        {
            RecordId = record.Id,
            GranteeId = grantee.Id,
            GranteeRole = grantee.Role,
            Permission = permission,
            GrantedUnixMs = tx.Now,
            ExpiresUnixMs = expiresUnixMs,
            GrantedAtEpoch = record.KeyEpoch,
        });
        if (expiresUnixMs != 0 && (record.HoldersExpireByUnixMs == 0 || expiresUnixMs < record.HoldersExpireByUnixMs))
        {
            // The grantee now holds the current key until this expiry: appends check the holders from then on.
            var updated = record.Clone();
            updated.HoldersExpireByUnixMs = expiresUnixMs;
            tx.Put(StateKeys.Record(record.Id), updated);
        }
        foreach (var key in sealedKeys)
        {
            tx.Put(StateKeys.SealedKey(record.Id, key.Epoch, grantee.Id), new SealedDataKey
            {
                RecordId = record.Id,
                Epoch = key.Epoch,
                ReaderId = grantee.Id,
                SealedKey = key.SealedKey,
            });
        }
        if (tx.State.DirectoryEntry(grantee.Id, record.OwnerId) is null)
        {
            tx.Put(StateKeys.DirectoryEntry(grantee.Id, record.OwnerId), new DirectoryEntry
            {
                ProviderId = grantee.Id,
                PatientId = record.OwnerId,
                SinceUnixMs = tx.Now,
            });
        }
        if (profileKey is not null)
        {
            tx.Put(StateKeys.Participant(owner.Id), WithProfileReader(owner, profileKey));
        }
        tx.RecordChange(StateKeys.RecordHistory(record.Id), new Change
        {
            Kind = ChangeKind.AccessGranted,
            SubjectId = record.Id,
            GranteeId = grantee.Id,
            KeyEpoch = record.KeyEpoch,
        });
        return TxResults.Ok();
    }

    private static TxResult Revoke(
        TransactionContext tx, string recordId, string granteeId, ParticipantRole granteeRole, RepeatedField<ReaderKey> rotatedKeys,
        RepeatedField<EscrowShare> escrowShares)
    {
        if (OwnedRecord(tx, recordId, "revoke access to", out var record) is { } refused)
        {
            return refused;
        }
        var grant = tx.State.Grant(record.Id, granteeId);
        if (grant is null || GrantLiveness.IsRevoked(grant))
        {
            return TxResults.NotFound("The grantee holds no unrevoked grant on the record.");
        }
        if (grant.GranteeRole != granteeRole)
        {
            return TxResults.Invalid(granteeRole == ParticipantRole.Doctor
                ? "The grantee is not a doctor; use RevokeAccessFromLab for laboratories."
                : "The grantee is not a laboratory; use RevokeAccess for doctors.");
        }

        if (KeyRotation.Check(tx, record, granteeId, rotatedKeys, escrowShares, out var remaining) is { } badRotation)
        {
            return badRotation;
        }
        var revoked = grant.Clone();
        revoked.RevokedUnixMs = tx.Now;
        tx.Put(StateKeys.Grant(record.Id, granteeId), revoked);
        var nextEpoch = KeyRotation.Apply(tx, record, remaining, rotatedKeys, escrowShares);
        if (!HoldsAnotherLiveGrant(tx, granteeId, record))
        {
            tx.Delete(StateKeys.DirectoryEntry(granteeId, record.OwnerId));
            // Sharing stops with the last grant: the reader gets no sealed profile key from now on.
            // What they already opened they may have kept; the next profile version uses a fresh key.
            if (tx.Signer.SealedProfile is { } sealedProfile && sealedProfile.Readers.Any(r => r.ReaderId == granteeId))
            {
                tx.Put(StateKeys.Participant(tx.Signer.Id), WithoutProfileReader(tx.Signer, granteeId));
            }
        }
        tx.RecordChange(StateKeys.RecordHistory(record.Id), new Change
        {
            Kind = ChangeKind.AccessRevoked,
            SubjectId = record.Id,
            GranteeId = granteeId,
            KeyEpoch = nextEpoch,
        });
        return TxResults.Ok();
    }

    private static TxResult? OwnedRecord(TransactionContext tx, string recordId, string what, out MedicalRecord record)
    {
        record = tx.State.Record(recordId)!;
        if (record is null)
        {
            return TxResults.NotFound("No medical record with this id exists.");
        }
        return record.OwnerId == tx.Signer.Id ? null : TxResults.Denied($"Only the record's owner may {what} it.");
    }

    /// <summary>A profile key handed over with a grant: sealed to that grantee, with an owner profile to add it to, and room for one more reader.</summary>
    private static TxResult? ProfileKeyProblem(Participant owner, string granteeId, ReaderKey profileKey)
    {
        if (profileKey.ReaderId != granteeId || !IsSealedDataKey(profileKey.SealedKey))
        {
            return TxResults.Invalid("The profile key of a grant must be a sealed key for the grantee.");
        }
        if (owner.SealedProfile is not { } sealedProfile)
        {
            return TxResults.Invalid("The owner has no sealed profile to share.");
        }
        var alreadyReader = sealedProfile.Readers.Any(r => r.ReaderId == granteeId);
        return !alreadyReader && sealedProfile.Readers.Count >= MaxProfileReaders
            ? TxResults.Invalid($"The owner's profile is already sealed to {MaxProfileReaders} readers.")
            : null;
    }

    private static Participant WithProfileReader(Participant owner, ReaderKey profileKey)
    {
        var updated = WithoutProfileReader(owner, profileKey.ReaderId);
        updated.SealedProfile.Readers.Add(profileKey.Clone());
        return updated;
    }

    private static Participant WithoutProfileReader(Participant owner, string readerId)
    {
        var updated = owner.Clone();
        var keep = updated.SealedProfile.Readers.Where(r => r.ReaderId != readerId).ToList();
        updated.SealedProfile.Readers.Clear();
        updated.SealedProfile.Readers.AddRange(keep);
        return updated;
    }

    private static bool CoversEveryEpoch(RepeatedField<EpochKey> keys, uint currentEpoch)
    {
        if (keys.Count != (long)currentEpoch + 1)
        {
            return false;
        }
        for (var i = 0; i < keys.Count; i++)
        {
            if (keys[i].Epoch != (uint)i || !IsSealedDataKey(keys[i].SealedKey))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Whether the grantee still holds a live grant on another record of the same patient (and so stays in the directory).</summary>
    private static bool HoldsAnotherLiveGrant(TransactionContext tx, string granteeId, MedicalRecord record) =>
        tx.State.RecordsOwnedBy(record.OwnerId)
            .Where(r => r.RecordId != record.Id)
            .Select(r => tx.State.Grant(r.RecordId, granteeId))
            .Any(g => g is not null && GrantLiveness.IsLive(g, tx.Now));
}
