using EhrChain.Consensus;
using EhrChain.Contracts.Membership;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Validators;

namespace EhrChain.Node.Chain;

// The validators as the chain records them, for consensus (which set orders now, and which next)
// and for the peer layer (whom to talk to): the current epoch's validators and, once a change is
// approved, the incoming ones, so they can catch up before their epoch begins.
public sealed partial class ChainApplication : IMembershipApplication
{
    private Membership? _membership;
    private ulong _membershipHeight = ulong.MaxValue;

    /// <summary>Told whom the chain names as validators after every block that changes it; none in tools that only read a store.</summary>
    public ValidatorDirectory? Directory { get; init; }

    public Membership Membership
    {
        get
        {
            var height = LastExecuted.Sequence;
            if (_membership is null || _membershipHeight != height)
            {
                Refresh(height);
            }
            return _membership!;
        }
    }

    private void Refresh(ulong height)
    {
        using var view = _store.OpenView();
        var recorded = ValidatorMembershipReader.Read(view, _genesisValidators);
        _membershipHeight = height;
        // Read after every block, but it changes only at an approval or an epoch's end: the same
        // object is handed back until then, so consensus can tell nothing changed without looking.
        if (_membership is { } unchanged && unchanged.Epoch == recorded.Epoch
            && unchanged.EpochEnd == (recorded.EpochEnd == 0 ? Membership.Open : recorded.EpochEnd))
        {
            return;
        }
        var first = recorded.Epoch == 0 ? 1UL
            : ValidatorMembershipReader.Epochs(view, _genesisValidators).Single(e => e.Epoch == recorded.Epoch).FirstSequence;
        _membership = new Membership(
            recorded.Epoch,
            first,
            recorded.Validators.Select(ToConsensus).ToList(),
            recorded.EpochEnd == 0 ? Membership.Open : recorded.EpochEnd,
            recorded.EpochEnd == 0 ? null : recorded.Next.Select(ToConsensus).ToList());
        if (Directory is { } directory)
        {
            directory.Update(recorded.Validators.Concat(recorded.EpochEnd == 0 ? [] : recorded.Next)
                .GroupBy(v => v.Id).Select(g => ToDirectory(g.First())).ToList());
        }
    }

    private static (string Id, SigningPublicKey Key) ToConsensus(ValidatorInfo validator) =>
        (validator.Id, SigningPublicKey.FromBytes(validator.SigningPublicKey.Span));

    private static GenesisValidator ToDirectory(ValidatorInfo validator) =>
        new(validator.Id, validator.Address, SigningPublicKey.FromBytes(validator.SigningPublicKey.Span), EncryptionPublicKey.FromBytes(validator.EncryptionPublicKey.Span));
}
