using System.Security.Cryptography;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Client;

/// <summary>
/// Sealing and opening participant profiles on the client: the profile is encrypted under a
/// profile key bound to the participant id and version (<see cref="ProfileBinding"/>), and the
/// key is sealed to each reader's X25519 key. A new version always gets a fresh key, so a reader
/// dropped from the list cannot read what is written afterwards.
/// </summary>
public static class ProfileSeal
{
    public const int PaddingBlock = 64;

    public static SealedProfile Seal(string participantId, uint version, Profile profile, byte[] profileKey, IEnumerable<KeyHolder> readers)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(readers);
        var sealedProfile = new SealedProfile
        {
            Version = version,
            Ciphertext = ByteString.CopyFrom(ContentCipher.Encrypt(profileKey, Padded(profile).ToByteArray(), ProfileBinding.AssociatedData(participantId, version))),
        };
        foreach (var reader in readers.DistinctBy(r => r.Id, StringComparer.Ordinal))
        {
            sealedProfile.Readers.Add(SealKey(profileKey, reader));
        }
        return sealedProfile;
    }

    /// <summary>The profile with zero padding up to the next multiple of <see cref="PaddingBlock"/> bytes (the padding field's tag and one length byte included).</summary>
    public static Profile Padded(Profile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var padded = profile.Clone();
        padded.Padding = ByteString.Empty;
        var size = padded.CalculateSize();
        var target = (size + 2 + PaddingBlock - 1) / PaddingBlock * PaddingBlock;
        padded.Padding = ByteString.CopyFrom(new byte[target - size - 2]);
        return padded;
    }

    public static ReaderKey SealKey(byte[] profileKey, KeyHolder reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new ReaderKey { ReaderId = reader.Id, SealedKey = ByteString.CopyFrom(SealedBox.Seal(reader.EncryptionKey, profileKey)) };
    }

    /// <summary>The profile key sealed to <paramref name="readerId"/>, opened; null when none is sealed to them or it does not open.</summary>
    public static byte[]? OpenKey(SealedProfile? sealedProfile, string readerId, EncryptionKeyPair readerKeys)
    {
        ArgumentNullException.ThrowIfNull(readerKeys);
        var mine = sealedProfile?.Readers.FirstOrDefault(r => r.ReaderId == readerId);
        if (mine is null)
        {
            return null;
        }
        try
        {
            return SealedBox.Open(readerKeys, mine.SealedKey.Span);
        }
        catch (CryptographicException)
        {
            // Sealed to an earlier encryption key of this reader, or damaged.
            return null;
        }
    }

    /// <summary>The profile in clear, or null when the key does not open it (wrong key, another participant's or version's ciphertext, altered bytes).</summary>
    public static Profile? Open(string participantId, SealedProfile sealedProfile, byte[] profileKey)
    {
        ArgumentNullException.ThrowIfNull(sealedProfile);
        try
        {
            var clear = ContentCipher.Decrypt(profileKey, sealedProfile.Ciphertext.Span, ProfileBinding.AssociatedData(participantId, sealedProfile.Version));
            var profile = Profile.Parser.ParseFrom(clear);
            profile.Padding = ByteString.Empty;
            return profile;
        }
        catch (Exception e) when (e is CryptographicException or InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
