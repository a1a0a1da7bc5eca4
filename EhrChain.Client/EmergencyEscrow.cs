using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Client;

/// <summary>
/// The network's emergency trustees as a patient's client sees them, taken from the genesis file
/// the client holds (not from a node's answer, which could name keys of its own choosing). Each
/// new epoch key is split k of n and share i is sealed to trustee i.
/// </summary>
public sealed class EmergencyEscrow
{
    private readonly IReadOnlyList<GenesisTrustee> _trustees;

    public EmergencyEscrow(IReadOnlyList<GenesisTrustee> trustees, int threshold)
    {
        _trustees = trustees ?? throw new ArgumentNullException(nameof(trustees));
        Threshold = threshold;
    }

    public int Threshold { get; }

    /// <summary>The genesis file's trustees, or null for a network without break-glass.</summary>
    public static EmergencyEscrow? FromGenesis(GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        return genesis.Emergency is { } emergency ? new EmergencyEscrow(emergency.Trustees, emergency.Threshold) : null;
    }

    public IEnumerable<EscrowShare> Split(byte[] dataKey)
    {
        var shares = ShamirSecretSharing.Split(dataKey, _trustees.Count, Threshold);
        try
        {
            return _trustees.Select((trustee, i) => new EscrowShare
            {
                TrusteeId = trustee.Id,
                SealedShare = ByteString.CopyFrom(SealedBox.Seal(trustee.EncryptionKey, shares[i])),
            }).ToList();
        }
        finally
        {
            foreach (var share in shares)
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(share);
            }
        }
    }
}
