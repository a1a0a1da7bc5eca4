using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// The escrow of a new epoch's data key among the network's emergency trustees: one Shamir share
/// sealed to each trustee, exactly. The engine cannot open a share, so it checks who it is for
/// and its size; a missing share would leave that record unopenable in an emergency, so it is
/// refused rather than accepted silently. On a network without trustees there is nothing to
/// escrow to, and shares are refused.
/// </summary>
internal static class Escrow
{
    public static readonly int SealedShareSize = SealedBox.SealedSize(ShamirSecretSharing.ShareSize(ContentCipher.KeySize));

    public static bool IsSealedShare(ByteString sealedShare) =>
        sealedShare.Length == SealedShareSize && sealedShare.Span[0] == SealedBox.Version;

    public static TxResult? Check(EmergencyConfig? config, RepeatedField<EscrowShare> shares)
    {
        if (config is null || config.Trustees.Count == 0)
        {
            return shares.Count == 0 ? null : TxResults.Invalid("This network has no emergency trustees; escrow shares are not accepted.");
        }
        var expected = config.Trustees.Select(t => t.Id).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var share in shares)
        {
            if (!expected.Contains(share.TrusteeId) || !seen.Add(share.TrusteeId))
            {
                return TxResults.Invalid("Each escrow share must be for a distinct emergency trustee of the network.");
            }
            if (!IsSealedShare(share.SealedShare))
            {
                return TxResults.Invalid($"An escrow share must be a key share sealed to its trustee ({SealedShareSize} bytes).");
            }
        }
        return seen.Count == expected.Count
            ? null
            : TxResults.Invalid($"The data key must be escrowed to every emergency trustee; {expected.Count - seen.Count} missing.");
    }

    public static void Store(TransactionContext tx, string recordId, uint epoch, RepeatedField<EscrowShare> shares)
    {
        foreach (var share in shares)
        {
            tx.Put(StateKeys.EscrowShare(recordId, epoch, share.TrusteeId), share);
        }
    }
}
