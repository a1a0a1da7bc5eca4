using EhrChain.Contracts.Membership;
using EhrChain.Core.Chain;
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
    private readonly List<(ulong FirstHeight, ValidatorSet Set)>? _recorded;

    public EpochReplay(GenesisFile genesis)
    {
        _genesis = genesis;
        _replay = new MembershipReplay(genesis.Validators);
        Validators = ValidatorSet.FromGenesis(genesis);
        _found = [(0, 1, genesis.Validators.Select(v => v.Id).ToList())];
    }

    private EpochReplay(GenesisFile genesis, List<(ulong FirstHeight, ValidatorSet Set)> recorded, List<(ulong, ulong, IReadOnlyList<string>)> found)
        : this(genesis)
    {
        _recorded = recorded;
        _found.Clear();
        _found.AddRange(found);
    }

    /// <summary>
    /// For a store that starts at a snapshot: the blocks that carried the votes are not there to
    /// replay, so the epochs come from the state, which the snapshot's attestations certified.
    /// </summary>
    public static EpochReplay FromRecorded(GenesisFile genesis, IChainStore store)
    {
        using var view = store.OpenView();
        var epochs = ValidatorMembershipReader.Epochs(view, genesis.Validators);
        var directory = ValidatorSet.FromGenesis(genesis);
        var recorded = epochs.Select(e => (e.FirstSequence, directory.ForEpoch(e.Epoch, e.Validators.Select(v => (v.Id, SigningPublicKey.FromBytes(v.SigningPublicKey.Span)))))).ToList();
        var found = epochs.Select(e => (e.Epoch, e.FirstSequence, (IReadOnlyList<string>)e.Validators.Select(v => v.Id).ToList())).ToList();
        return new EpochReplay(genesis, recorded, found);
    }

    /// <summary>The set replayed so far: the one that must certify the next block.</summary>
    private ValidatorSet Validators { get; set; }

    /// <summary>The set that must certify block <paramref name="height"/> (the next one, when replaying).</summary>
    public ValidatorSet For(ulong height) => _recorded is null ? Validators : _recorded.Last(r => r.FirstHeight <= height).Set;

    public IReadOnlyList<(ulong Epoch, ulong FirstHeight, IReadOnlyList<string> Validators)> Found => _found;

    /// <summary>Replays the block's votes and rollover; returns why it cannot be replayed, or null.</summary>
    public string? Apply(Block block)
    {
        if (_recorded is not null)
        {
            return null;
        }
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
        if (_recorded is not null)
        {
            return null;
        }
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
