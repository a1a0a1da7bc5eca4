using System.Text.Json.Serialization;

namespace EhrChain.Core.Keys;

/// <summary>The JSON shape of a key file on disk (version 1).</summary>
internal sealed class KeyFileDocument
{
    public int Version { get; set; }
    public string? Id { get; set; }
    public string? Role { get; set; }
    public string? SigningPublicKey { get; set; }
    public string? EncryptionPublicKey { get; set; }
    public PrivateKeysDocument? PrivateKeys { get; set; }
}

internal sealed class PrivateKeysDocument
{
    public bool Encrypted { get; set; }

    // Clear form.
    public string? Signing { get; set; }
    public string? Encryption { get; set; }

    // Passphrase form: scrypt(passphrase, salt, N, r, p) -> AES-256-GCM key over signing || encryption.
    public string? Kdf { get; set; }
    public int N { get; set; }
    public int R { get; set; }
    public int P { get; set; }
    public string? Salt { get; set; }
    public string? Ciphertext { get; set; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingDefault)]
[JsonSerializable(typeof(KeyFileDocument))]
internal sealed partial class KeyFileJsonContext : JsonSerializerContext;
