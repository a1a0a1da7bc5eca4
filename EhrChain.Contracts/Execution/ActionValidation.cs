using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EhrChain.Contracts.Execution;

/// <summary>Shape checks shared by several actions. Each returns null when the input is well formed, or the rejection.</summary>
internal static class ActionValidation
{
    public const int MaxTextLength = 200;
    public const int MaxEntriesPerTransaction = 32;
    public const int MaxEntryCiphertextBytes = 64 * 1024;
    public const int MaxProfileCiphertextBytes = 4 * 1024;
    public const int MaxProfileReaders = 64;

    private static readonly int SealedDataKeySize = SealedBox.SealedSize(ContentCipher.KeySize);

    public static TxResult? CheckId(string id, string what) =>
        Core.Identifiers.IsValid(id) ? null : TxResults.Invalid($"The {what} is not a valid id.");

    /// <summary>
    /// A sealed profile as far as the engine can judge it without reading it: ciphertext of a
    /// plausible size, the expected version, between one and <see cref="MaxProfileReaders"/>
    /// readers, each once, each an enrolled participant (or the participant being enrolled) with a
    /// key of the sealed-key shape, and the participant among them. Reasons name no one.
    /// </summary>
    public static TxResult? CheckSealedProfile(EhrState state, string participantId, SealedProfile? profile, uint expectedVersion)
    {
        if (profile is null)
        {
            return TxResults.Invalid("A sealed profile is required.");
        }
        if (profile.Ciphertext.Length <= ContentCipher.Overhead || profile.Ciphertext.Length > MaxProfileCiphertextBytes)
        {
            return TxResults.Invalid($"The sealed profile must be AES-GCM ciphertext of at most {MaxProfileCiphertextBytes} bytes.");
        }
        if (profile.Version != expectedVersion)
        {
            return TxResults.Invalid($"The sealed profile must be version {expectedVersion}, not {profile.Version}.");
        }
        if (profile.Readers.Count > MaxProfileReaders)
        {
            return TxResults.Invalid($"A profile may be sealed to at most {MaxProfileReaders} readers.");
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var reader in profile.Readers)
        {
            if (!seen.Add(reader.ReaderId))
            {
                return TxResults.Invalid("The profile key is sealed to the same reader twice.");
            }
            if (!IsSealedDataKey(reader.SealedKey))
            {
                return TxResults.Invalid("A profile reader's key is not a sealed key.");
            }
            if (reader.ReaderId != participantId && (!Core.Identifiers.IsValid(reader.ReaderId) || state.Participant(reader.ReaderId) is null))
            {
                return TxResults.Invalid("Every profile reader must be an enrolled participant.");
            }
        }
        return seen.Contains(participantId) ? null : TxResults.Invalid("The profile key must be sealed to the participant themselves.");
    }

    public static TxResult? CheckSigningKey(ByteString key) =>
        SigningPublicKey.TryFromBytes(key.Span, out _) ? null : TxResults.Invalid("The signing key is not a valid Ed25519 public key.");

    public static TxResult? CheckEncryptionKey(ByteString key) =>
        EncryptionPublicKey.TryFromBytes(key.Span, out _) ? null : TxResults.Invalid("The encryption key is not a valid X25519 public key.");

    /// <summary>A sealed data key has exactly the size and version of a SealedBox around a 32-byte key; its content only its reader can check.</summary>
    public static bool IsSealedDataKey(ByteString sealedKey) =>
        sealedKey.Length == SealedDataKeySize && sealedKey.Span[0] == SealedBox.Version;

    /// <summary>Entries to append: a known kind, content of a plausible size, and the record's current key epoch.</summary>
    public static TxResult? CheckEntries(RepeatedField<NewEntry> entries, uint currentEpoch)
    {
        if (entries.Count > MaxEntriesPerTransaction)
        {
            return TxResults.Invalid($"At most {MaxEntriesPerTransaction} entries may be appended in one transaction.");
        }
        foreach (var entry in entries)
        {
            if (entry.Kind == EntryKind.Unspecified || !Enum.IsDefined(entry.Kind))
            {
                return TxResults.Invalid("Every entry needs a known kind.");
            }
            if (entry.Ciphertext.Length < ContentCipher.Overhead || entry.Ciphertext.Length > MaxEntryCiphertextBytes)
            {
                return TxResults.Invalid($"Entry content must be AES-GCM ciphertext of at most {MaxEntryCiphertextBytes} bytes.");
            }
            if (entry.KeyEpoch != currentEpoch)
            {
                return TxResults.Reject(TxResultCode.StaleKeyEpoch, $"Entries must be encrypted under the record's current key epoch {currentEpoch}, not {entry.KeyEpoch}.");
            }
        }
        return null;
    }
}
