using System.Security.Cryptography;
using EhrChain.Client;
using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Node.Emergency;

/// <summary>
/// A trustee's side of a break-glass: for an open emergency, open this trustee's escrowed share
/// of each epoch and re-seal it to the emergency's doctor. It reads the state directly, because
/// the trustee runs beside its organisation's node; the shares never exist in clear outside this
/// call, and what leaves is sealed to the doctor alone.
/// </summary>
public sealed class TrusteeReleases(KeyFile trustee, string chainId, TimeProvider time)
{
    private readonly EhrClient _signer = new(trustee ?? throw new ArgumentNullException(nameof(trustee)), chainId, time);

    public string TrusteeId => trustee.Id;

    /// <summary>
    /// The signed release for <paramref name="emergencyId"/>, or null when there is nothing to
    /// release: no such emergency, it is not open at <paramref name="now"/>, this trustee already
    /// released, is not one of the network's trustees, or holds no share of some epoch.
    /// </summary>
    public SignedTransaction? Release(IStateReader stateReader, string emergencyId, DateTimeOffset now)
    {
        var state = new EhrState(stateReader ?? throw new ArgumentNullException(nameof(stateReader)));
        if (state.Emergency(emergencyId) is not { } emergency
            || !EmergencyLiveness.IsOpen(emergency, now.ToUnixTimeMilliseconds())
            || emergency.ReleasedBy.Contains(trustee.Id)
            || state.EmergencyConfig()?.Trustees.Any(t => t.Id == trustee.Id) != true
            || state.Participant(emergency.DoctorId) is not { } doctor
            || !EncryptionPublicKey.TryFromBytes(doctor.EncryptionPublicKey.Span, out var doctorKey))
        {
            return null;
        }
        var release = new EmergencyRelease { EmergencyId = emergency.Id };
        for (var epoch = 0u; epoch <= emergency.KeyEpoch; epoch++)
        {
            if (state.EscrowShare(emergency.RecordId, epoch, trustee.Id) is not { } escrowed)
            {
                return null;
            }
            byte[] share;
            try
            {
                share = SealedBox.Open(trustee.Encryption, escrowed.SealedShare.Span);
            }
            catch (CryptographicException)
            {
                // Sealed to another key than this trustee's (a client's mistake): nothing to release.
                return null;
            }
            release.Shares.Add(new EscrowedShare { Epoch = epoch, SealedShare = ByteString.CopyFrom(SealedBox.Seal(doctorKey, share)) });
            CryptographicOperations.ZeroMemory(share);
        }
        return _signer.Sign(p => p.EmergencyRelease = release);
    }
}
