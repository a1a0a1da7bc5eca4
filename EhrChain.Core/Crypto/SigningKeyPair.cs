using System.Buffers;
using System.Security.Cryptography;
using NSec.Cryptography;

namespace EhrChain.Core.Crypto;

/// <summary>
/// An Ed25519 private key with its public key. Signs with libsodium (through NSec), the library
/// that verifies: a node signs every consensus message it sends, and BouncyCastle's signing was
/// 2% of a loaded cluster's CPU. RFC 8032 signatures are deterministic, so the bytes are the ones
/// any other conforming library would make (a test compares them with BouncyCastle's).
/// </summary>
public sealed class SigningKeyPair
{
    public const int PrivateKeySize = 32;

    private readonly Key _key;

    private SigningKeyPair(Key key)
    {
        _key = key;
        PublicKey = SigningPublicKey.FromBytes(key.PublicKey.Export(KeyBlobFormat.RawPublicKey));
    }

    public SigningPublicKey PublicKey { get; }

    public static SigningKeyPair Generate()
    {
        Span<byte> seed = stackalloc byte[PrivateKeySize];
        RandomNumberGenerator.Fill(seed);
        var pair = FromPrivateKey(seed);
        CryptographicOperations.ZeroMemory(seed);
        return pair;
    }

    /// <summary>Rebuilds a key pair from its 32-byte private key (the RFC 8032 seed).</summary>
    public static SigningKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeySize)
        {
            throw new FormatException($"An Ed25519 private key is {PrivateKeySize} bytes, not {privateKey.Length}.");
        }
        return new SigningKeyPair(Key.Import(SignatureAlgorithm.Ed25519, privateKey, KeyBlobFormat.RawPrivateKey, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport }));
    }

    public byte[] ExportPrivateKey() => _key.Export(KeyBlobFormat.RawPrivateKey);

    public byte[] Sign(SigningDomain domain, ReadOnlySpan<byte> message)
    {
        var prefix = SigningDomainPrefix.For(domain);
        var length = prefix.Length + message.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(buffer, 0);
            message.CopyTo(buffer.AsSpan(prefix.Length));
            var signature = new byte[SigningPublicKey.SignatureSize];
            SignatureAlgorithm.Ed25519.Sign(_key, buffer.AsSpan(0, length), signature);
            return signature;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
