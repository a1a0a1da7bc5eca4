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

    private static readonly int SealedDataKeySize = SealedBox.SealedSize(ContentCipher.KeySize);

    public static TxResult? CheckId(string id, string what) =>
        Core.Identifiers.IsValid(id) ? null : TxResults.Invalid($"The {what} '{Clip(id)}' is not a valid id.");

    public static TxResult? CheckProfile(ParticipantRole role, Profile? profile)
    {
        if (profile is null)
        {
            return TxResults.Invalid("A profile with a name is required.");
        }
        if (TextProblem(profile.Name, "name", required: true) is { } nameProblem)
        {
            return nameProblem;
        }
        var expected = role switch
        {
            ParticipantRole.Doctor => Profile.RoleProfileOneofCase.Doctor,
            ParticipantRole.Laboratory => Profile.RoleProfileOneofCase.Laboratory,
            _ => Profile.RoleProfileOneofCase.None,
        };
        if (profile.RoleProfileCase != expected)
        {
            return TxResults.Invalid(expected switch
            {
                Profile.RoleProfileOneofCase.Doctor => "A doctor's profile must carry the doctor details (licence number, specialty, organisation).",
                Profile.RoleProfileOneofCase.Laboratory => "A laboratory's profile must carry the laboratory details (organisation, accreditation).",
                _ => $"A {RoleName(role)} profile carries a name only, no doctor or laboratory details.",
            });
        }
        return profile.RoleProfileCase switch
        {
            Profile.RoleProfileOneofCase.Doctor =>
                TextProblem(profile.Doctor.LicenceNumber, "licence number", required: true)
                ?? TextProblem(profile.Doctor.Specialty, "specialty", required: true)
                ?? TextProblem(profile.Doctor.Organisation, "organisation", required: true),
            Profile.RoleProfileOneofCase.Laboratory =>
                TextProblem(profile.Laboratory.Organisation, "organisation", required: true)
                ?? TextProblem(profile.Laboratory.Accreditation, "accreditation", required: true),
            _ => null,
        };
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

    public static string RoleName(ParticipantRole role) => role switch
    {
        ParticipantRole.Patient => "patient",
        ParticipantRole.Doctor => "doctor",
        ParticipantRole.Laboratory => "laboratory",
        ParticipantRole.Admin => "admin",
        ParticipantRole.Auditor => "auditor",
        _ => "participant of unknown role",
    };

    /// <summary>Ids echoed into reasons are clipped, so a hostile id cannot bloat the block.</summary>
    public static string Clip(string text) => text.Length <= Core.Identifiers.MaxLength ? text : text[..Core.Identifiers.MaxLength] + "...";

    private static TxResult? TextProblem(string value, string what, bool required) =>
        required && string.IsNullOrWhiteSpace(value) ? TxResults.Invalid($"The {what} is required.")
        : value.Length > MaxTextLength ? TxResults.Invalid($"The {what} is longer than {MaxTextLength} characters.")
        : null;
}
