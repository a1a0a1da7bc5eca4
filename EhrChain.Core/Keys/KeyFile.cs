using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EhrChain.Core.Crypto;
using Org.BouncyCastle.Crypto.Generators;

namespace EhrChain.Core.Keys;

/// <summary>
/// A participant's or validator's identity: id, role, an Ed25519 signing key and an X25519
/// encryption key. On disk the private keys are either in clear (file mode 0600) or encrypted
/// under a passphrase with scrypt and AES-256-GCM; the public part is always readable.
/// </summary>
public sealed class KeyFile
{
    public const int CurrentVersion = 1;

    // scrypt N = 2^15, r = 8: 32 MiB and about a tenth of a second per unlock, the
    // interactive-login cost that libsodium and the scrypt paper recommend.
    private const int ScryptN = 1 << 15;
    private const int ScryptR = 8;
    private const int ScryptP = 1;
    private const int SaltSize = 16;
    private const string ScryptName = "scrypt";

    public KeyFile(string id, KeyRole role, SigningKeyPair signing, EncryptionKeyPair encryption)
    {
        Id = Identifiers.Require(id, "Key id");
        Role = role;
        Signing = signing ?? throw new ArgumentNullException(nameof(signing));
        Encryption = encryption ?? throw new ArgumentNullException(nameof(encryption));
    }

    public string Id { get; }
    public KeyRole Role { get; }
    public SigningKeyPair Signing { get; }
    public EncryptionKeyPair Encryption { get; }

    public static KeyFile Generate(string id, KeyRole role) =>
        new(id, role, SigningKeyPair.Generate(), EncryptionKeyPair.Generate());

    /// <summary>Writes the key file; with a passphrase the private keys are encrypted, otherwise they are in clear.</summary>
    public void Save(string path, string? passphrase = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var json = JsonSerializer.Serialize(ToDocument(passphrase), KeyFileJsonContext.Default.KeyFileDocument);
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var stream = new FileStream(path, options);
            stream.Write(Encoding.UTF8.GetBytes(json));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyFileException($"Cannot write key file '{path}': {e.Message}", e);
        }
    }

    /// <summary>Reads a key file; a passphrase is required exactly when the file's private keys are encrypted.</summary>
    public static KeyFile Load(string path, string? passphrase = null)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new KeyFileException($"Cannot read key file '{path}': {e.Message}", e);
        }
        try
        {
            return Parse(json, passphrase);
        }
        catch (KeyFileException e)
        {
            throw new KeyFileException($"Key file '{path}': {e.Message}", e);
        }
    }

    public static KeyFile Parse(string json, string? passphrase = null)
    {
        KeyFileDocument? document;
        try
        {
            document = JsonSerializer.Deserialize(json, KeyFileJsonContext.Default.KeyFileDocument);
        }
        catch (JsonException e)
        {
            throw new KeyFileException($"not valid JSON ({e.Message}).", e);
        }
        if (document is null || document.Version != CurrentVersion)
        {
            throw new KeyFileException($"unsupported key file version {document?.Version}; expected {CurrentVersion}.");
        }
        if (!Identifiers.IsValid(document.Id))
        {
            throw new KeyFileException("the id is missing or not a valid id.");
        }
        if (!Enum.TryParse<KeyRole>(document.Role, ignoreCase: true, out var role) || !Enum.IsDefined(role))
        {
            throw new KeyFileException($"unknown role '{document.Role}'.");
        }
        var keys = document.PrivateKeys ?? throw new KeyFileException("it holds no private keys.");

        byte[] signingSecret, encryptionSecret;
        if (keys.Encrypted)
        {
            if (string.IsNullOrEmpty(passphrase))
            {
                throw new KeyFileException("the private keys are encrypted; a passphrase is needed.");
            }
            var plain = Decrypt(keys, passphrase, AssociatedData(document));
            signingSecret = plain[..SigningKeyPair.PrivateKeySize];
            encryptionSecret = plain[SigningKeyPair.PrivateKeySize..];
            CryptographicOperations.ZeroMemory(plain);
        }
        else
        {
            signingSecret = FromBase64(keys.Signing, "signing private key");
            encryptionSecret = FromBase64(keys.Encryption, "encryption private key");
        }

        KeyFile file;
        try
        {
            file = new KeyFile(document.Id!, role, SigningKeyPair.FromPrivateKey(signingSecret), EncryptionKeyPair.FromPrivateKey(encryptionSecret));
        }
        catch (FormatException e)
        {
            throw new KeyFileException(e.Message, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signingSecret);
            CryptographicOperations.ZeroMemory(encryptionSecret);
        }

        if (file.Signing.PublicKey.ToBase64() != document.SigningPublicKey || file.Encryption.PublicKey.ToBase64() != document.EncryptionPublicKey)
        {
            throw new KeyFileException("the public keys do not match the private keys.");
        }
        return file;
    }

    private KeyFileDocument ToDocument(string? passphrase)
    {
        var document = new KeyFileDocument
        {
            Version = CurrentVersion,
            Id = Id,
            Role = Role.ToString().ToLowerInvariant(),
            SigningPublicKey = Signing.PublicKey.ToBase64(),
            EncryptionPublicKey = Encryption.PublicKey.ToBase64(),
        };
        var signing = Signing.ExportPrivateKey();
        var encryption = Encryption.ExportPrivateKey();
        try
        {
            document.PrivateKeys = string.IsNullOrEmpty(passphrase)
                ? new PrivateKeysDocument { Signing = Convert.ToBase64String(signing), Encryption = Convert.ToBase64String(encryption) }
                : Encrypt([.. signing, .. encryption], passphrase, AssociatedData(document));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(signing);
            CryptographicOperations.ZeroMemory(encryption);
        }
        return document;
    }

    // The public half is authenticated with the private half, so editing the id, role or public
    // keys of an encrypted file makes it fail to unlock rather than yield a mismatched identity.
    private static byte[] AssociatedData(KeyFileDocument document) =>
        Encoding.UTF8.GetBytes($"ehrchain/v1/key-file\0{document.Id}\0{document.Role}\0{document.SigningPublicKey}\0{document.EncryptionPublicKey}");

    private static PrivateKeysDocument Encrypt(byte[] secret, string passphrase, byte[] associatedData)
    {
        var salt = RandomNumberGenerator.GetBytes(SaltSize);
        var key = DeriveKey(passphrase, salt, ScryptN, ScryptR, ScryptP);
        try
        {
            return new PrivateKeysDocument
            {
                Encrypted = true,
                Kdf = ScryptName,
                N = ScryptN,
                R = ScryptR,
                P = ScryptP,
                Salt = Convert.ToBase64String(salt),
                Ciphertext = Convert.ToBase64String(ContentCipher.Encrypt(key, secret, associatedData)),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            CryptographicOperations.ZeroMemory(secret);
        }
    }

    private static byte[] Decrypt(PrivateKeysDocument keys, string passphrase, byte[] associatedData)
    {
        if (keys.Kdf != ScryptName)
        {
            throw new KeyFileException($"unknown key derivation '{keys.Kdf}'.");
        }
        // Bounds stop a hostile file from asking for gigabytes of memory or hours of work.
        if (keys.N is < 1024 or > 1 << 20 || (keys.N & (keys.N - 1)) != 0 || keys.R is < 1 or > 32 || keys.P is < 1 or > 16)
        {
            throw new KeyFileException("scrypt parameters out of range.");
        }
        var key = DeriveKey(passphrase, FromBase64(keys.Salt, "salt"), keys.N, keys.R, keys.P);
        try
        {
            var plain = ContentCipher.Decrypt(key, FromBase64(keys.Ciphertext, "ciphertext"), associatedData);
            if (plain.Length != SigningKeyPair.PrivateKeySize + EncryptionKeyPair.PrivateKeySize)
            {
                throw new KeyFileException("the encrypted private keys have the wrong length.");
            }
            return plain;
        }
        catch (CryptographicException e)
        {
            throw new KeyFileException("wrong passphrase (or the file was altered).", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static byte[] DeriveKey(string passphrase, byte[] salt, int n, int r, int p) =>
        SCrypt.Generate(Encoding.UTF8.GetBytes(passphrase), salt, n, r, p, ContentCipher.KeySize);

    private static byte[] FromBase64(string? value, string what)
    {
        try
        {
            return Convert.FromBase64String(value ?? throw new KeyFileException($"the {what} is missing."));
        }
        catch (FormatException e)
        {
            throw new KeyFileException($"the {what} is not base64.", e);
        }
    }
}
