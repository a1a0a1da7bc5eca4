using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;

namespace EhrChain.Consensus;

/// <summary>
/// The validators of one epoch in their agreed order (the genesis file's, then the chain's), with
/// f = floor((n - 1) / 3), the quorum ceil((n + f + 1) / 2) and the primary of each view.
/// </summary>
public sealed class ValidatorSet
{
    private readonly string[] _ids;
    private readonly SigningPublicKey[] _keys;
    private readonly Dictionary<string, int> _indexById;

    public ValidatorSet(IEnumerable<(string Id, SigningPublicKey Key)> validators)
    {
        ArgumentNullException.ThrowIfNull(validators);
        var list = validators.ToList();
        if (list.Count < MembershipRules.MinValidators)
        {
            throw new ArgumentException($"PBFT needs at least {MembershipRules.MinValidators} validators, not {list.Count}.", nameof(validators));
        }
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
    }

    public static ValidatorSet FromGenesis(GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        return new ValidatorSet(genesis.Validators.Select(v => (v.Id, v.SigningKey)));
    }

    public int Count => _ids.Length;
    public int FaultsTolerated => MembershipRules.FaultsOf(_ids.Length);
    public int Quorum => MembershipRules.QuorumOf(_ids.Length);

    public IReadOnlyList<string> Ids => _ids;

    public string IdOf(int index) => _ids[index];
    public SigningPublicKey KeyOf(int index) => _keys[index];

    public bool TryGetIndex(string id, out int index) => _indexById.TryGetValue(id, out index);

    public int PrimaryIndex(ulong view) => (int)(view % (ulong)_ids.Length);
    public string PrimaryId(ulong view) => _ids[PrimaryIndex(view)];
}
