using EhrChain.Core.Genesis;

namespace EhrChain.Node.Validators;

/// <summary>
/// The validators this node talks to: the genesis validators at first, then whoever the chain's
/// membership names (the current epoch's validators and the next one's, once approved). The chain
/// updates it after each block that changes membership; the peer layer follows it.
/// </summary>
public sealed class ValidatorDirectory
{
    private volatile IReadOnlyList<GenesisValidator> _known;

    public ValidatorDirectory(GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        _known = genesis.Validators;
    }

    /// <summary>Raised after <see cref="Known"/> changes, on the thread that changed it.</summary>
    public event Action<IReadOnlyList<GenesisValidator>>? Changed;

    public IReadOnlyList<GenesisValidator> Known => _known;

    public GenesisValidator? Find(string id) => _known.FirstOrDefault(v => v.Id == id);

    public void Update(IReadOnlyList<GenesisValidator> known)
    {
        ArgumentNullException.ThrowIfNull(known);
        _known = known;
        Changed?.Invoke(known);
    }
}
