using System.Text.Json;
using EhrChain.Core.Crypto;

namespace EhrChain.Core.Keys;

/// <summary>
/// The public half of a key file: what an Admin needs to enrol a participant, read without
/// the participant's passphrase or private keys.
/// </summary>
public sealed record PublicIdentity(string Id, KeyRole Role, SigningPublicKey SigningKey, EncryptionPublicKey EncryptionKey)
{
    public static PublicIdentity Load(string path)
    {
        KeyFileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(File.ReadAllText(path), KeyFileJsonContext.Default.KeyFileDocument);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            throw new KeyFileException($"Cannot read key file '{path}': {e.Message}", e);
        }
        if (document is null || !Identifiers.IsValid(document.Id) || !Enum.TryParse<KeyRole>(document.Role, ignoreCase: true, out var role))
        {
            throw new KeyFileException($"Key file '{path}': the id or role is missing or invalid.");
        }
        try
        {
            return new PublicIdentity(document.Id!, role,
                SigningPublicKey.FromBase64(document.SigningPublicKey ?? ""),
                EncryptionPublicKey.FromBase64(document.EncryptionPublicKey ?? ""));
        }
        catch (FormatException e)
        {
            throw new KeyFileException($"Key file '{path}': {e.Message}", e);
        }
    }
}
