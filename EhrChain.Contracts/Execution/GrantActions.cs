using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using Google.Protobuf.Collections;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>Granting and revoking access to a record: GrantAccess, GrantAccessToLab, RevokeAccess, RevokeAccessFromLab.</summary>
internal static class GrantActions
{
    public static TxResult GrantToDoctor(TransactionContext tx, GrantAccess action) =>
        Grant(tx, action.RecordId, action.DoctorId, ParticipantRole.Doctor, action.Permission, action.ExpiresUnixMs, action.SealedKeys);

    // A laboratory reads the record and appends lab results, so its grant is always read-write;
    // what it may write is limited by entry kind, not by the grant.
    public static TxResult GrantToLab(TransactionContext tx, GrantAccessToLab action) =>
        Grant(tx, action.RecordId, action.LaboratoryId, ParticipantRole.Laboratory, Permission.ReadWrite, action.ExpiresUnixMs, action.SealedKeys);

    public static TxResult RevokeFromDoctor(TransactionContext tx, RevokeAccess action) =>
        Revoke(tx, action.RecordId, action.DoctorId, ParticipantRole.Doctor, action.RotatedKeys);

    public static TxResult RevokeFromLab(TransactionContext tx, RevokeAccessFromLab action) =>
        Revoke(tx, action.RecordId, action.LaboratoryId, ParticipantRole.Laboratory, action.RotatedKeys);

    private static TxResult Grant(
        TransactionContext tx, string recordId, string granteeId, ParticipantRole granteeRole,
        Permission permission, long expiresUnixMs, RepeatedField<EpochKey> sealedKeys)
    {
        if (OwnedRecord(tx, recordId, "grant access to", out var record) is { } refused)
        {
            return refused;
        }
        var grantee = tx.State.Participant(granteeId);
        if (grantee is null)
        {
            return TxResults.NotFound($"No participant '{Clip(granteeId)}' is enrolled.");
        }
        if (grantee.Role != granteeRole)
        {
            return TxResults.Invalid(granteeRole == ParticipantRole.Doctor
                ? $"{grantee.Id} is not a doctor; GrantAccess is for doctors."
                : $"{grantee.Id} is not a laboratory; GrantAccessToLab is for laboratories.");
        }
        if (grantee.Status != ParticipantStatus.Active)
        {
            return TxResults.Invalid($"{grantee.Id} is suspended and cannot be granted access.");
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
        TransactionContext tx, string recordId, string granteeId, ParticipantRole granteeRole, RepeatedField<ReaderKey> rotatedKeys)
    {
        if (OwnedRecord(tx, recordId, "revoke access to", out var record) is { } refused)
        {
            return refused;
        }
        var grant = tx.State.Grant(record.Id, granteeId);
        if (grant is null || GrantLiveness.IsRevoked(grant))
        {
            return TxResults.NotFound($"'{Clip(granteeId)}' holds no unrevoked grant on record '{record.Id}'.");
        }
        if (grant.GranteeRole != granteeRole)
        {
            return TxResults.Invalid(granteeRole == ParticipantRole.Doctor
                ? $"{granteeId} is not a doctor; use RevokeAccessFromLab for laboratories."
                : $"{granteeId} is not a laboratory; use RevokeAccess for doctors.");
        }

        // Ordinal order keeps the reason text, like everything else, the same on every node.
        var remaining = tx.State.Grants(record.Id)
            .Where(g => g.GranteeId != granteeId && GrantLiveness.IsLive(g, tx.Now))
            .ToList();
        var required = remaining
            .Select(g => g.GranteeId)
            .Append(record.OwnerId)
            .ToHashSet(StringComparer.Ordinal);
        var supplied = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in rotatedKeys)
        {
            if (!supplied.Add(key.ReaderId))
            {
                return TxResults.Invalid($"The rotated key is sealed to '{Clip(key.ReaderId)}' twice.");
            }
            if (!IsSealedDataKey(key.SealedKey))
            {
                return TxResults.Invalid($"The rotated key for '{Clip(key.ReaderId)}' is not a sealed data key.");
            }
        }
        if (!required.SetEquals(supplied))
        {
            var missing = required.Except(supplied).Order(StringComparer.Ordinal).ToList();
            var extra = supplied.Except(required).Order(StringComparer.Ordinal).Select(Clip).ToList();
            return TxResults.Invalid(
                "The rotated key must be sealed to exactly the owner and the remaining live grantees"
                + (missing.Count > 0 ? $"; missing: {string.Join(", ", missing)}" : "")
                + (extra.Count > 0 ? $"; not entitled: {string.Join(", ", extra)}" : "")
                + ".");
        }

        var nextEpoch = record.KeyEpoch + 1;
        var revoked = grant.Clone();
        revoked.RevokedUnixMs = tx.Now;
        tx.Put(StateKeys.Grant(record.Id, granteeId), revoked);
        var rotated = record.Clone();
        rotated.KeyEpoch = nextEpoch;
        // The new key goes to the remaining live grantees only: the earliest of their expiries.
        rotated.HoldersExpireByUnixMs = remaining.Where(g => g.ExpiresUnixMs != 0).Select(g => g.ExpiresUnixMs).DefaultIfEmpty(0).Min();
        tx.Put(StateKeys.Record(record.Id), rotated);
        foreach (var key in rotatedKeys)
        {
            tx.Put(StateKeys.SealedKey(record.Id, nextEpoch, key.ReaderId), new SealedDataKey
            {
                RecordId = record.Id,
                Epoch = nextEpoch,
                ReaderId = key.ReaderId,
                SealedKey = key.SealedKey,
            });
        }
        if (!HoldsAnotherLiveGrant(tx, granteeId, record))
        {
            tx.Delete(StateKeys.DirectoryEntry(granteeId, record.OwnerId));
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
            return TxResults.NotFound($"No medical record '{Clip(recordId)}' exists.");
        }
        return record.OwnerId == tx.Signer.Id ? null : TxResults.Denied($"Only the record's owner may {what} it.");
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
