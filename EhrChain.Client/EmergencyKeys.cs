using System.Security.Cryptography;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;

namespace EhrChain.Client;

/// <summary>
/// The emergency doctor's side of a release: opens each trustee's share of each epoch with the
/// doctor's own key and, once k trustees released, combines them into the record's data keys.
/// </summary>
public static class EmergencyKeys
{
    /// <summary>The data keys of every epoch the releases cover, or null while fewer than <paramref name="threshold"/> trustees released.</summary>
    public static RecordKeyRing? Combine(KeyFile doctor, EmergencyView view, uint threshold)
    {
        ArgumentNullException.ThrowIfNull(doctor);
        ArgumentNullException.ThrowIfNull(view);
        var opened = view.Releases.Take(Math.Max((int)threshold, 2)).ToList();
        if (threshold < 2 || opened.Count < threshold)
        {
            return null;
        }
        var keys = new SortedDictionary<uint, byte[]>();
        for (var epoch = 0u; epoch <= view.Emergency.KeyEpoch; epoch++)
        {
            var shares = new List<byte[]>();
            foreach (var release in opened)
            {
                var share = release.Shares.FirstOrDefault(s => s.Epoch == epoch)
                    ?? throw new CryptographicException($"Trustee {release.TrusteeId} released no share of epoch {epoch}.");
                shares.Add(SealedBox.Open(doctor.Encryption, share.SealedShare.Span));
            }
            keys[epoch] = ShamirSecretSharing.Combine(shares);
        }
        return new RecordKeyRing(view.Emergency.RecordId, view.Emergency.KeyEpoch, keys);
    }
}
