using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;

namespace EhrChain.Consensus;

/// <summary>
/// The validators in genesis order, with n = 3f + 1, the quorum 2f + 1 and the primary of each
/// view. The order is the genesis file's, so every replica agrees on who is primary.
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
        if (list.Count < 4 || (list.Count - 1) % 3 != 0)
        {
            throw new ArgumentException($"PBFT needs n = 3f + 1 validators with f >= 1, not {list.Count}.", nameof(validators));
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
    public int FaultsTolerated => (_ids.Length - 1) / 3;
    public int Quorum => 2 * FaultsTolerated + 1;

    public IReadOnlyList<string> Ids => _ids;

    public string IdOf(int index) => _ids[index];
    public SigningPublicKey KeyOf(int index) => _keys[index];

    public bool TryGetIndex(string id, out int index) => _indexById.TryGetValue(id, out index);

    public int PrimaryIndex(ulong view) => (int)(view % (ulong)_ids.Length);
    public string PrimaryId(ulong view) => _ids[PrimaryIndex(view)];
}
