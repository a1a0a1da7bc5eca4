using System.Buffers;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace EhrChain.Core.Crypto;

/// <summary>An Ed25519 private key with its public key.</summary>
public sealed class SigningKeyPair
{
    public const int PrivateKeySize = 32;

    private readonly Ed25519PrivateKeyParameters _key;

    private SigningKeyPair(Ed25519PrivateKeyParameters key)
    {
        _key = key;
        PublicKey = SigningPublicKey.FromBytes(key.GeneratePublicKey().GetEncoded());
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
        return new SigningKeyPair(new Ed25519PrivateKeyParameters(privateKey.ToArray()));
    }

    public byte[] ExportPrivateKey() => _key.GetEncoded();

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
            _key.Sign(Ed25519.Algorithm.Ed25519, null, buffer, 0, length, signature, 0);
            return signature;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
