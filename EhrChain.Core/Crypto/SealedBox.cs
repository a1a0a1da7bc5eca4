using System.Security.Cryptography;

namespace EhrChain.Core.Crypto;

/// <summary>
/// Anonymous public-key encryption of a small secret (a record's data key) to an X25519 key:
/// a fresh ephemeral key agrees a secret with the recipient, HKDF-SHA256 turns it into an
/// AES-256-GCM key and nonce, and the box is
/// <c>version(1) || ephemeral public key(32) || ciphertext || tag(16)</c>.
/// Only the holder of the recipient's private key can open it; any change to any byte is detected.
/// </summary>
public static class SealedBox
{
    public const byte Version = 1;
    private const int TagSize = 16;
    private const int NonceSize = 12;
    private const int KeySize = 32;
    private const int HeaderSize = 1 + EncryptionPublicKey.Size;
    private static readonly byte[] Info = "ehrchain/v1/sealed-box"u8.ToArray();

    public static int SealedSize(int secretLength) => HeaderSize + secretLength + TagSize;

    public static byte[] Seal(EncryptionPublicKey recipient, ReadOnlySpan<byte> secret)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        var ephemeral = EncryptionKeyPair.Generate();
        var box = new byte[SealedSize(secret.Length)];
        box[0] = Version;
        ephemeral.PublicKey.Bytes.CopyTo(box.AsSpan(1));

        var shared = ephemeral.Agree(recipient);
        Span<byte> keyAndNonce = stackalloc byte[KeySize + NonceSize];
        try
        {
            Derive(shared, ephemeral.PublicKey, recipient, keyAndNonce);
            using var aes = new AesGcm(keyAndNonce[..KeySize], TagSize);
            aes.Encrypt(
                keyAndNonce[KeySize..],
                secret,
                box.AsSpan(HeaderSize, secret.Length),
                box.AsSpan(HeaderSize + secret.Length, TagSize),
                box.AsSpan(0, HeaderSize));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(keyAndNonce);
        }
        return box;
    }

    /// <summary>Opens a box sealed to <paramref name="recipient"/>; throws <see cref="CryptographicException"/> otherwise.</summary>
    public static byte[] Open(EncryptionKeyPair recipient, ReadOnlySpan<byte> box)
    {
        ArgumentNullException.ThrowIfNull(recipient);
        if (box.Length < HeaderSize + TagSize || box[0] != Version)
        {
            throw new CryptographicException("Not a sealed box of a known version.");
        }
        if (!EncryptionPublicKey.TryFromBytes(box.Slice(1, EncryptionPublicKey.Size), out var ephemeral))
        {
            throw new CryptographicException("The sealed box carries an invalid ephemeral key.");
        }

        var secretLength = box.Length - HeaderSize - TagSize;
        var secret = new byte[secretLength];
        var shared = recipient.Agree(ephemeral);
        Span<byte> keyAndNonce = stackalloc byte[KeySize + NonceSize];
        try
        {
            Derive(shared, ephemeral, recipient.PublicKey, keyAndNonce);
            using var aes = new AesGcm(keyAndNonce[..KeySize], TagSize);
            aes.Decrypt(
                keyAndNonce[KeySize..],
                box.Slice(HeaderSize, secretLength),
                box.Slice(HeaderSize + secretLength, TagSize),
                secret,
                box[..HeaderSize]);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException("The sealed box was not sealed to this key, or it was altered.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(shared);
            CryptographicOperations.ZeroMemory(keyAndNonce);
        }
        return secret;
    }

    private static void Derive(byte[] shared, EncryptionPublicKey ephemeral, EncryptionPublicKey recipient, Span<byte> output)
    {
        // Binding both public keys into the salt ties the derived key to this exact exchange.
        Span<byte> salt = stackalloc byte[2 * EncryptionPublicKey.Size];
        ephemeral.Bytes.CopyTo(salt);
        recipient.Bytes.CopyTo(salt[EncryptionPublicKey.Size..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, shared, output, salt, Info);
    }
}
