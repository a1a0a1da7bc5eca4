using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using static EhrChain.Contracts.Execution.ActionValidation;

namespace EhrChain.Contracts.Execution;

/// <summary>Enrolling participants and changing them: AddParticipant and UpdateParticipant.</summary>
internal static class ParticipantActions
{
    public static TxResult Add(TransactionContext tx, AddParticipant action)
    {
        if (tx.Signer.Role != ParticipantRole.Admin)
        {
            return TxResults.Denied("Only an Admin may enrol participants.");
        }
        if (action.Role == ParticipantRole.Unspecified || !Enum.IsDefined(action.Role))
        {
            return TxResults.Invalid("The role must be Patient, Doctor, Laboratory, Pharmacist, Admin or Auditor.");
        }
        if ((CheckId(action.ParticipantId, "participant id")
            ?? CheckSigningKey(action.SigningPublicKey)
            ?? CheckEncryptionKey(action.EncryptionPublicKey)) is { } invalid)
        {
            return invalid;
        }
        if (tx.State.Participant(action.ParticipantId) is not null)
        {
            return TxResults.Reject(TxResultCode.AlreadyExists, "The participant id is already enrolled.");
        }
        if (CheckSealedProfile(tx.State, action.ParticipantId, action.SealedProfile, expectedVersion: 1) is { } badProfile)
        {
            return badProfile;
        }
        if (!action.SealedProfile.Readers.Any(r => r.ReaderId == tx.Signer.Id))
        {
            // The enrolling Admin keeps a way to read and correct what they enrolled.
            return TxResults.Invalid("The profile key must be sealed to the enrolling Admin too.");
        }

        tx.Put(StateKeys.Participant(action.ParticipantId), new Participant
        {
            Id = action.ParticipantId,
            Role = action.Role,
            SealedProfile = action.SealedProfile,
            SigningPublicKey = action.SigningPublicKey,
            EncryptionPublicKey = action.EncryptionPublicKey,
            Status = ParticipantStatus.Active,
            EnrolledUnixMs = tx.Now,
            EnrolledBy = tx.Signer.Id,
        });
        tx.RecordChange(StateKeys.ParticipantHistory(action.ParticipantId), new Change
        {
            Kind = ChangeKind.ParticipantEnrolled,
            SubjectId = action.ParticipantId,
        });
        return TxResults.Ok();
    }

    public static TxResult Update(TransactionContext tx, UpdateParticipant action)
    {
        var target = tx.State.Participant(action.ParticipantId);
        if (target is null)
        {
            return TxResults.NotFound("No participant with this id is enrolled.");
        }
        var isSelf = target.Id == tx.Signer.Id;
        var isAdmin = tx.Signer.Role == ParticipantRole.Admin;
        if (!isSelf && !isAdmin)
        {
            return TxResults.Denied("A participant may change only their own details; only an Admin may change another's.");
        }

        var changesKeys = !action.SigningPublicKey.IsEmpty || !action.EncryptionPublicKey.IsEmpty;
        var changesStatus = action.Status != ParticipantStatus.Unspecified;
        if (action.SealedProfile is null && !changesKeys && !changesStatus)
        {
            return TxResults.Invalid("The update changes nothing.");
        }
        if (changesKeys && !isSelf)
        {
            return TxResults.Denied("Only the participant may change their own keys.");
        }
        if (changesStatus)
        {
            if (!isAdmin)
            {
                return TxResults.Denied("Only an Admin may suspend or reactivate a participant.");
            }
            if (isSelf)
            {
                // An Admin suspending themselves could lock the network out of administration.
                return TxResults.Denied("An Admin cannot change their own status.");
            }
            if (!Enum.IsDefined(action.Status))
            {
                return TxResults.Invalid("The status must be Active or Suspended.");
            }
        }
        if (action.SealedProfile is not null
            && CheckSealedProfile(tx.State, target.Id, action.SealedProfile, expectedVersion: (target.SealedProfile?.Version ?? 0) + 1) is { } badProfile)
        {
            return badProfile;
        }
        if (!action.SigningPublicKey.IsEmpty && CheckSigningKey(action.SigningPublicKey) is { } badSigning)
        {
            return badSigning;
        }
        if (!action.EncryptionPublicKey.IsEmpty && CheckEncryptionKey(action.EncryptionPublicKey) is { } badEncryption)
        {
            return badEncryption;
        }

        var updated = target.Clone();
        if (action.SealedProfile is not null)
        {
            updated.SealedProfile = action.SealedProfile;
        }
        if (!action.SigningPublicKey.IsEmpty)
        {
            updated.SigningPublicKey = action.SigningPublicKey;
        }
        if (!action.EncryptionPublicKey.IsEmpty)
        {
            updated.EncryptionPublicKey = action.EncryptionPublicKey;
        }
        if (changesStatus)
        {
            updated.Status = action.Status;
        }
        tx.Put(StateKeys.Participant(target.Id), updated);
        tx.RecordChange(StateKeys.ParticipantHistory(target.Id), new Change
        {
            Kind = ChangeKind.ParticipantUpdated,
            SubjectId = target.Id,
        });
        return TxResults.Ok();
    }
}
