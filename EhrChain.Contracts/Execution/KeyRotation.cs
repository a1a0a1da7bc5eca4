using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using Google.Protobuf.Collections;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// Moving a record to its next key epoch: a revocation does it, and so does the owner closing a
/// break-glass emergency whose doctor holds the current key. The next key is sealed to exactly
/// the owner and every live grantee left, and split among the emergency trustees like the first.
/// </summary>
internal static class KeyRotation
{
    /// <summary>Null when the rotation is well formed. <paramref name="leavingGranteeId"/> is the grantee being revoked, who gets no new key; null when nobody's grant ends.</summary>
    public static TxResult? Check(
        TransactionContext tx, MedicalRecord record, string? leavingGranteeId, RepeatedField<ReaderKey> rotatedKeys,
        RepeatedField<EscrowShare> escrowShares, out List<AccessGrant> remaining)
    {
        // Ordinal order keeps the reason text, like everything else, the same on every node.
        remaining = tx.State.Grants(record.Id)
            .Where(g => g.GranteeId != leavingGranteeId && GrantLiveness.IsLive(g, tx.Now))
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
                return TxResults.Invalid("The rotated key is sealed to the same reader twice.");
            }
            if (!IsSealedDataKey(key.SealedKey))
            {
                return TxResults.Invalid("A rotated key is not a sealed data key.");
            }
        }
        if (!required.SetEquals(supplied))
        {
            // Counts, not ids: the reason is stored in the block, and ids would say who reads the record.
            var missing = required.Except(supplied).Count();
            var extra = supplied.Except(required).Count();
            return TxResults.Invalid(
                "The rotated key must be sealed to exactly the owner and the remaining live grantees"
                + (missing > 0 ? $"; {missing} missing" : "")
                + (extra > 0 ? $"; {extra} not entitled" : "")
                + ".");
        }
        return Escrow.Check(tx.State.EmergencyConfig(), escrowShares);
    }

    /// <summary>Writes the next epoch (checked by <see cref="Check"/>) and returns it.</summary>
    public static uint Apply(
        TransactionContext tx, MedicalRecord record, List<AccessGrant> remaining, RepeatedField<ReaderKey> rotatedKeys,
        RepeatedField<EscrowShare> escrowShares)
    {
        var nextEpoch = record.KeyEpoch + 1;
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
        Escrow.Store(tx, record.Id, nextEpoch, escrowShares);
        return nextEpoch;
    }
}
