using EhrChain.Contracts.Membership;
using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// Validator-set changes by vote: a current validator's vote is checked against the set in force
/// and counted per (epoch, change digest); the vote that brings QuorumOf(n) schedules the change
/// for the end of block approval + ActivationDelay, and the end of that block rolls the epoch over.
/// The offline verifier replays the same two functions, so there is one copy of the rule.
/// </summary>
internal static class ValidatorActions
{
    /// <summary>Bounds one change so a vote cannot make the membership record unboundedly large.</summary>
    public const int MaxAddsPerChange = 64;

    public static TxResult Vote(IStateReader state, StateWriteSet writes, IReadOnlyList<GenesisValidator> genesisValidators, string voterId, VoteValidatorChange action, ulong height)
    {
        var view = new StateOverlay(state, writes);
        var membership = ValidatorMembershipReader.Read(view, genesisValidators);
        if (!membership.Validators.Any(v => v.Id == voterId))
        {
            return TxResults.Reject(TxResultCode.UnknownSigner, "Only a current validator may vote on a validator change.");
        }
        if (action.Change is not { } change)
        {
            return TxResults.Invalid("The vote carries no validator change.");
        }
        if (Check(view, membership, change) is { } invalid)
        {
            return invalid;
        }

        var digest = ValidatorChangeDigest.Of(change);
        var digestBytes = digest.ToByteString();
        var scheduled = membership.EpochEnd != 0;
        if (scheduled && membership.ScheduledChangeDigest.Equals(digestBytes))
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, $"This change is already approved; it takes effect after block {membership.EpochEnd}.");
        }

        var key = StateKeys.PendingChange(membership.Epoch, digest.ToString());
        var pending = view.GetValue(key) is { } bytes
            ? PendingValidatorChange.Parser.ParseFrom(bytes)
            : new PendingValidatorChange { Epoch = membership.Epoch, Digest = digestBytes, Change = change };
        if (pending.Voters.Contains(voterId))
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "This validator has already voted for this change in this epoch.");
        }
        pending.Voters.Add(voterId);

        if (pending.Voters.Count < MembershipRules.QuorumOf(membership.Validators.Count))
        {
            writes.Put(key, pending.ToByteArray());
            return TxResults.Ok();
        }
        if (scheduled)
        {
            return TxResults.Reject(TxResultCode.AccessDenied, $"Another validator change is already scheduled for the end of block {membership.EpochEnd}; a second can be approved only after it takes effect.");
        }

        // The first vote's order of the adds is the new set's: every replica stored the same first vote.
        var removed = pending.Change.Remove.ToHashSet(StringComparer.Ordinal);
        var approved = membership.Clone();
        approved.EpochEnd = height + MembershipRules.ActivationDelay;
        approved.Next.Clear();
        approved.Next.AddRange(membership.Validators.Where(v => !removed.Contains(v.Id)));
        approved.Next.AddRange(pending.Change.Add);
        approved.ScheduledChangeDigest = digestBytes;
        approved.ApprovedHeight = height;
        writes.Put(StateKeys.Membership(), approved.ToByteArray());
        writes.Delete(key);
        return TxResults.Ok();
    }

    /// <summary>At the end of block EpochEnd the next set takes over and the old epoch's votes are void.</summary>
    public static void EndOfBlock(IStateReader state, StateWriteSet writes, IReadOnlyList<GenesisValidator> genesisValidators, ulong height)
    {
        var view = new StateOverlay(state, writes);
        if (view.GetValue(StateKeys.Membership()) is null)
        {
            return;
        }
        var membership = ValidatorMembershipReader.Read(view, genesisValidators);
        if (membership.EpochEnd == 0 || membership.EpochEnd != height)
        {
            return;
        }
        foreach (var stale in view.ScanPrefix(StateKeys.PendingChangesOf(membership.Epoch)).Select(kv => kv.Key).ToList())
        {
            writes.Delete(stale);
        }
        var next = new ValidatorMembership { Epoch = membership.Epoch + 1 };
        next.Validators.AddRange(membership.Next);
        writes.Put(StateKeys.Membership(), next.ToByteArray());
        var epoch = new ValidatorEpoch { Epoch = next.Epoch, FirstSequence = height + 1 };
        epoch.Validators.AddRange(next.Validators);
        writes.Put(StateKeys.ValidatorEpoch(next.Epoch), epoch.ToByteArray());
    }

    private static TxResult? Check(IStateReader state, ValidatorMembership membership, ValidatorChange change)
    {
        if (change.Add.Count == 0 && change.Remove.Count == 0)
        {
            return TxResults.Invalid("The change adds and removes no validator.");
        }
        if (change.Add.Count > MaxAddsPerChange)
        {
            return TxResults.Invalid($"A change adds at most {MaxAddsPerChange} validators.");
        }
        var current = membership.Validators.ToDictionary(v => v.Id, StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var signingKeys = membership.Validators.Select(v => v.SigningPublicKey).ToHashSet();
        var encryptionKeys = membership.Validators.Select(v => v.EncryptionPublicKey).ToHashSet();
        var participants = new EhrState(state);
        foreach (var add in change.Add)
        {
            if ((CheckId(add.Id, "new validator's id")
                ?? CheckAddress(add.Address)
                ?? CheckSigningKey(add.SigningPublicKey)
                ?? CheckEncryptionKey(add.EncryptionPublicKey)) is { } invalid)
            {
                return invalid;
            }
            if (!ids.Add(add.Id))
            {
                return TxResults.Invalid($"Validator '{add.Id}' is added twice.");
            }
            if (current.ContainsKey(add.Id))
            {
                return TxResults.Reject(TxResultCode.AlreadyExists, $"'{add.Id}' is already a validator.");
            }
            if (participants.Participant(add.Id) is not null)
            {
                return TxResults.Reject(TxResultCode.AlreadyExists, $"'{add.Id}' is a participant's id; a validator id must not be one.");
            }
            if (!signingKeys.Add(add.SigningPublicKey) || !encryptionKeys.Add(add.EncryptionPublicKey))
            {
                return TxResults.Invalid($"The keys of '{add.Id}' are already used by another validator.");
            }
        }
        var removes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var remove in change.Remove)
        {
            if (!current.ContainsKey(remove))
            {
                return TxResults.NotFound($"'{ApiSafe(remove)}' is not a current validator, so it cannot be removed.");
            }
            if (!removes.Add(remove))
            {
                return TxResults.Invalid($"Validator '{remove}' is removed twice.");
            }
        }
        var resulting = membership.Validators.Count - removes.Count + change.Add.Count;
        if (resulting < MembershipRules.MinValidators)
        {
            return TxResults.Invalid($"The change leaves {resulting} validators; PBFT needs at least {MembershipRules.MinValidators}.");
        }
        return null;
    }

    private static TxResult? CheckAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        var valid = address.Length is > 0 and <= 255
            && colon > 0
            && int.TryParse(address.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
            && port is > 0 and <= 65535
            && !address.Any(char.IsWhiteSpace);
        return valid ? null : TxResults.Invalid("The new validator's address must be host:port.");
    }

    /// <summary>An id that failed a check is echoed only when it is a valid id, so a reason never carries arbitrary bytes.</summary>
    private static string ApiSafe(string id) => Core.Identifiers.IsValid(id) ? id : "(invalid id)";
}
