using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;

namespace EhrChain.Core.Chain;

/// <summary>
/// The validators of one epoch in their agreed order (the genesis file's, then the chain's), with
/// f = floor((n - 1) / 3), the quorum ceil((n + f + 1) / 2) and the primary of each view.
/// It also holds a directory of every validator this replica knows of (past, current and
/// scheduled), whose indices never change once given: an envelope opened under one epoch's set
/// names its sender by the same index under the next, so nothing in flight is renumbered at a
/// switch. Counting and primaries use the epoch's members only.
/// </summary>
public sealed class ValidatorSet
{
    private readonly string[] _ids;
    private readonly SigningPublicKey[] _keys;
    private readonly Dictionary<string, int> _indexById;
    private readonly int[] _members;
    private readonly bool[] _isMember;

    public ValidatorSet(IEnumerable<(string Id, SigningPublicKey Key)> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var list = validators.ToList();
        EnsureSize(list.Count, nameof(validators));
        _ids = list.Select(v => v.Id).ToArray();
        _keys = list.Select(v => v.Key).ToArray();
        _indexById = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _ids.Length; i++)
        {
            if (!_indexById.TryAdd(_ids[i], i))
            {
                throw new ArgumentException($"Validator id '{_ids[i]}' appears twice.", nameof(validators));
            }
        }
        _members = Enumerable.Range(0, _ids.Length).ToArray();
        _isMember = Enumerable.Repeat(true, _ids.Length).ToArray();
    }

    private ValidatorSet(ulong epoch, string[] ids, SigningPublicKey[] keys, Dictionary<string, int> indexById, int[] members)
    {
        Epoch = epoch;
        _ids = ids;
        _keys = keys;
        _indexById = indexById;
        _members = members;
        _isMember = new bool[ids.Length];
        foreach (var member in members)
        {
            _isMember[member] = true;
        }
    }

    public static ValidatorSet FromGenesis(GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        return new ValidatorSet(genesis.Validators.Select(v => (v.Id, v.SigningKey)));
    }

    /// <summary>The epoch whose members these are: 0 for the genesis validators.</summary>
    public ulong Epoch { get; }

    public int Count => _members.Length;
    public int FaultsTolerated => MembershipRules.FaultsOf(_members.Length);
    public int Quorum => MembershipRules.QuorumOf(_members.Length);

    /// <summary>The epoch's members, in consensus order.</summary>
    public IReadOnlyList<string> Ids => _members.Select(m => _ids[m]).ToArray();

    /// <summary>The directory indices of the epoch's members, in consensus order.</summary>
    public IReadOnlyList<int> Members => _members;

    public string IdOf(int index) => _ids[index];
    public SigningPublicKey KeyOf(int index) => _keys[index];

    /// <summary>Any validator in the directory, member of this epoch or not.</summary>
    public bool TryGetIndex(string id, out int index) => _indexById.TryGetValue(id, out index);

    /// <summary>A member of this epoch only: what a quorum may be counted from.</summary>
    public bool TryGetMember(string id, out int index) => _indexById.TryGetValue(id, out index) && _isMember[index];

    public bool IsMember(int index) => index >= 0 && index < _isMember.Length && _isMember[index];

    public int PrimaryIndex(ulong view) => _members[(int)(view % (ulong)_members.Length)];
    public string PrimaryId(ulong view) => _ids[PrimaryIndex(view)];

    /// <summary>
    /// The set of <paramref name="epoch"/> with <paramref name="members"/> in their order, keeping
    /// this directory and appending validators it did not know. A known id with a new key takes
    /// the new key (the chain refuses to reuse a validator's id, so this is only ever a repair).
    /// </summary>
    public ValidatorSet ForEpoch(ulong epoch, IEnumerable<(string Id, SigningPublicKey Key)> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        var list = members.ToList();
        EnsureSize(list.Count, nameof(members));
        var (ids, keys, indexById) = Extended(list);
        var indices = list.Select(m => indexById[m.Id]).ToArray();
        if (indices.Distinct().Count() != indices.Length)
        {
            throw new ArgumentException("A validator appears twice in the epoch's members.", nameof(members));
        }
        return new ValidatorSet(epoch, ids, keys, indexById, indices);
    }

    /// <summary>The same epoch and members, with <paramref name="known"/> added to the directory (the validators a scheduled change brings in).</summary>
    public ValidatorSet WithKnown(IEnumerable<(string Id, SigningPublicKey Key)> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        var list = known.ToList();
        if (list.All(k => _indexById.TryGetValue(k.Id, out var i) && _keys[i].Equals(k.Key)))
        {
            return this;
        }
        var (ids, keys, indexById) = Extended(list);
        return new ValidatorSet(Epoch, ids, keys, indexById, _members);
    }

    private (string[] Ids, SigningPublicKey[] Keys, Dictionary<string, int> IndexById) Extended(IReadOnlyList<(string Id, SigningPublicKey Key)> validators)
    {
        var ids = _ids.ToList();
        var keys = _keys.ToList();
        var indexById = new Dictionary<string, int>(_indexById, StringComparer.Ordinal);
        foreach (var (id, key) in validators)
        {
            if (indexById.TryGetValue(id, out var index))
            {
                keys[index] = key;
                continue;
            }
            indexById[id] = ids.Count;
            ids.Add(id);
            keys.Add(key);
        }
        return (ids.ToArray(), keys.ToArray(), indexById);
    }

    private static void EnsureSize(int count, string parameter)
    {
        if (count < MembershipRules.MinValidators)
        {
            throw new ArgumentException($"PBFT needs at least {MembershipRules.MinValidators} validators, not {count}.", parameter);
        }
    }
}
