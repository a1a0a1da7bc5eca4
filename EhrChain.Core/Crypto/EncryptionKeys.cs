using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Parameters;

namespace EhrChain.Core.Crypto;

/// <summary>An X25519 public key: what a data key is sealed to.</summary>
public sealed class EncryptionPublicKey : IEquatable<EncryptionPublicKey>
{
    public const int Size = 32;

    private readonly byte[] _bytes;

    private EncryptionPublicKey(byte[] bytes) => _bytes = bytes;

    public ReadOnlySpan<byte> Bytes => _bytes;

    internal X25519PublicKeyParameters Parameters => new(_bytes);

    /// <summary>Any 32 bytes except all zeros; low-order points are caught when a box is sealed or opened.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EncryptionPublicKey? key)
    {
        key = bytes.Length == Size && bytes.ContainsAnyExcept((byte)0) ? new EncryptionPublicKey(bytes.ToArray()) : null;
        return key is not null;
    }

    public static EncryptionPublicKey FromBytes(ReadOnlySpan<byte> bytes) =>
        TryFromBytes(bytes, out var key) ? key : throw new FormatException($"Not a valid X25519 public key ({bytes.Length} bytes).");

    public static EncryptionPublicKey FromBase64(string text)
    {
        try
        {
            return FromBytes(Convert.FromBase64String(text));
        }
        catch (FormatException)
        {
            throw new FormatException("An X25519 public key must be 32 bytes in base64.");
        }
    }

    public byte[] ToArray() => (byte[])_bytes.Clone();
    public string ToBase64() => Convert.ToBase64String(_bytes);
    public override string ToString() => ToBase64();

    public bool Equals(EncryptionPublicKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);
    public override bool Equals(object? obj) => Equals(obj as EncryptionPublicKey);
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}

/// <summary>An X25519 private key with its public key: opens the data keys sealed to its owner.</summary>
public sealed class EncryptionKeyPair
{
    public const int PrivateKeySize = 32;

    private readonly X25519PrivateKeyParameters _key;

    private EncryptionKeyPair(X25519PrivateKeyParameters key)
    {
        _key = key;
        PublicKey = EncryptionPublicKey.FromBytes(key.GeneratePublicKey().GetEncoded());
    }

    public EncryptionPublicKey PublicKey { get; }

    public static EncryptionKeyPair Generate()
    {
        Span<byte> secret = stackalloc byte[PrivateKeySize];
        RandomNumberGenerator.Fill(secret);
        var pair = FromPrivateKey(secret);
        CryptographicOperations.ZeroMemory(secret);
        return pair;
    }

    public static EncryptionKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeySize)
        {
            throw new FormatException($"An X25519 private key is {PrivateKeySize} bytes, not {privateKey.Length}.");
        }
        return new EncryptionKeyPair(new X25519PrivateKeyParameters(privateKey.ToArray()));
    }

    public byte[] ExportPrivateKey() => _key.GetEncoded();

    /// <summary>The X25519 shared secret with <paramref name="peer"/>; throws for a low-order peer key.</summary>
    internal byte[] Agree(EncryptionPublicKey peer)
    {
        var agreement = new X25519Agreement();
        agreement.Init(_key);
        var secret = new byte[agreement.AgreementSize];
        try
        {
            agreement.CalculateAgreement(peer.Parameters, secret, 0);
        }
        catch (InvalidOperationException)
        {
            throw new CryptographicException("The peer's X25519 key is a low-order point; no shared secret exists.");
        }
        return secret;
    }
}
