using System.Security.Cryptography;

namespace EhrChain.Core.Crypto;

/// <summary>
/// AES-256-GCM for record content: <c>nonce(12) || ciphertext || tag(16)</c> with a random nonce.
/// The associated data (record id, entry kind, author, key epoch) is authenticated but not stored in
/// the ciphertext, so an entry moved to another record or relabelled fails to decrypt.
/// </summary>
public static class ContentCipher
{
    public const int KeySize = 32;
    public const int NonceSize = 12;
    public const int TagSize = 16;
    public const int Overhead = NonceSize + TagSize;

    public static byte[] GenerateKey() => RandomNumberGenerator.GetBytes(KeySize);

    public static byte[] Encrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        CheckKey(key);
        var output = new byte[Overhead + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize, plaintext.Length), output.AsSpan(NonceSize + plaintext.Length), associatedData);
        return output;
    }

    /// <summary>Decrypts, or throws <see cref="CryptographicException"/> for a wrong key, altered bytes or other associated data.</summary>
    public static byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedContent, ReadOnlySpan<byte> associatedData)
    {
        CheckKey(key);
        if (sealedContent.Length < Overhead)
        {
            throw new CryptographicException("Encrypted content is shorter than its nonce and tag.");
        }
        var length = sealedContent.Length - Overhead;
        var plaintext = new byte[length];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedContent[..NonceSize], sealedContent.Slice(NonceSize, length), sealedContent[(NonceSize + length)..], plaintext, associatedData);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CryptographicException("The content does not decrypt with this key: wrong key, or altered.");
        }
        return plaintext;
    }

    private static void CheckKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeySize)
        {
            throw new CryptographicException($"A content key is {KeySize} bytes, not {key.Length}.");
        }
    }
}
