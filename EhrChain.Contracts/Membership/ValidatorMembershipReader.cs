using EhrChain.Contracts.State;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Membership;

/// <summary>
/// Reads the validator membership from the state. Nothing is stored until the first change is
/// approved, so block 0 and every state root of a chain that never changed its validators stay
/// what they were; the genesis validators stand in for the absent record.
/// </summary>
public static class ValidatorMembershipReader
{
    /// <summary>The membership as of <paramref name="state"/>; <see cref="ValidatorMembership.EpochEnd"/> is 0 when nothing is scheduled.</summary>
    public static ValidatorMembership Read(IStateReader state, IReadOnlyList<GenesisValidator> genesisValidators)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(genesisValidators);
        if (state.GetValue(StateKeys.Membership()) is { } bytes)
        {
            return ValidatorMembership.Parser.ParseFrom(bytes);
        }
        var genesis = new ValidatorMembership { Epoch = 0 };
        genesis.Validators.AddRange(genesisValidators.Select(ToInfo));
        return genesis;
    }

    /// <summary>The changes voted for in <paramref name="epoch"/> and not yet void, by digest.</summary>
    public static IReadOnlyList<PendingValidatorChange> Pending(IStateReader state, ulong epoch)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.ScanPrefix(StateKeys.PendingChangesOf(epoch)).Select(kv => PendingValidatorChange.Parser.ParseFrom(kv.Value)).ToList();
    }

    /// <summary>
    /// Every epoch with the first sequence it orders, epoch 0 (the genesis validators, from 1) first:
    /// what a verifier needs to know which set certified a height.
    /// </summary>
    public static IReadOnlyList<ValidatorEpoch> Epochs(IStateReader state, IReadOnlyList<GenesisValidator> genesisValidators)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(genesisValidators);
        var first = new ValidatorEpoch { Epoch = 0, FirstSequence = 1 };
        first.Validators.AddRange(genesisValidators.Select(ToInfo));
        var epochs = new List<ValidatorEpoch> { first };
        epochs.AddRange(state.ScanPrefix(StateKeys.ValidatorEpochs()).Select(kv => ValidatorEpoch.Parser.ParseFrom(kv.Value)));
        return epochs;
    }

    public static ValidatorInfo ToInfo(GenesisValidator validator)
    {
        ArgumentNullException.ThrowIfNull(validator);
        return new ValidatorInfo
        {
            Id = validator.Id,
            Address = validator.Address,
            SigningPublicKey = ByteString.CopyFrom(validator.SigningKey.Bytes),
            EncryptionPublicKey = ByteString.CopyFrom(validator.EncryptionKey.Bytes),
        };
    }
}
