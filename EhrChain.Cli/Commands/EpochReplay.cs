using EhrChain.Consensus;
using EhrChain.Contracts.Membership;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Cli.Commands;

/// <summary>
/// For <c>ehrchain verify</c>: which validators had to certify each height, replayed block by
/// block from the genesis file and the chain's accepted votes, never taken from the store's state
/// (which a tampered store could rewrite); the state's record is only compared with it at the end.
/// </summary>
internal sealed class EpochReplay
{
    private readonly GenesisFile _genesis;
    private readonly MembershipReplay _replay;
    private readonly List<(ulong Epoch, ulong FirstHeight, IReadOnlyList<string> Validators)> _found;

    public EpochReplay(GenesisFile genesis)
    {
        _genesis = genesis;
        _replay = new MembershipReplay(genesis.Validators);
        Validators = ValidatorSet.FromGenesis(genesis);
        _found = [(0, 1, genesis.Validators.Select(v => v.Id).ToList())];
    }

    /// <summary>The set that must certify the next block.</summary>
    public ValidatorSet Validators { get; private set; }

    public IReadOnlyList<(ulong Epoch, ulong FirstHeight, IReadOnlyList<string> Validators)> Found => _found;

    /// <summary>Replays the block's votes and rollover; returns why it cannot be replayed, or null.</summary>
    public string? Apply(Block block)
    {
        if (_replay.Apply(block) is { } refused)
        {
            return refused;
        }
        var membership = _replay.Current;
        if (membership.Epoch != Validators.Epoch)
        {
            Validators = Validators.ForEpoch(membership.Epoch, membership.Validators.Select(v => (v.Id, SigningPublicKey.FromBytes(v.SigningPublicKey.Span))));
            _found.Add((membership.Epoch, block.Header.Height + 1, membership.Validators.Select(v => v.Id).ToList()));
        }
        return null;
    }

    /// <summary>Null when the epochs the store's state records are the replayed ones; else how they differ.</summary>
    public string? CompareWithState(IChainStore store)
    {
        using var view = store.OpenView();
        var recorded = ValidatorMembershipReader.Epochs(view, _genesis.Validators)
            .Select(e => (e.Epoch, e.FirstSequence, string.Join(",", e.Validators.Select(v => v.Id)))).ToList();
        var replayed = _found.Select(e => (e.Epoch, e.FirstHeight, string.Join(",", e.Validators))).ToList();
        return recorded.SequenceEqual(replayed)
            ? null
            : $"the state records epochs [{Describe(recorded)}] but the blocks' votes give [{Describe(replayed)}]";
    }

    private static string Describe(IEnumerable<(ulong Epoch, ulong First, string Ids)> epochs) =>
        string.Join("; ", epochs.Select(e => $"{e.Epoch} from {e.First}: {e.Ids}"));
}
