using System.Buffers;
using NSec.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace EhrChain.Core.Crypto;

/// <summary>
/// An Ed25519 public key. Signatures are checked by libsodium (through NSec), which verifies 1.5–1.9×
/// faster than BouncyCastle in the bench's ceiling on this project's machines, and every node and the CLI check with it, so
/// all agree on which signatures are valid (libsodium's rule: canonical S, no small-order R or key,
/// cofactorless equation). BouncyCastle only checks at import that the bytes are a point on the curve.
/// </summary>
public sealed class SigningPublicKey : IEquatable<SigningPublicKey>
{
    public const int Size = 32;
    public const int SignatureSize = 64;

    private readonly byte[] _bytes;
    private readonly PublicKey _key;

    private SigningPublicKey(byte[] bytes, PublicKey key)
    {
        _bytes = bytes;
        _key = key;
    }

    public ReadOnlySpan<byte> Bytes => _bytes;

    public static SigningPublicKey FromBytes(ReadOnlySpan<byte> bytes) =>
        TryFromBytes(bytes, out var key)
            ? key
            : throw new FormatException($"Not a valid Ed25519 public key ({bytes.Length} bytes).");

    /// <summary>Accepts only 32 bytes that decode to a point on the curve.</summary>
    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SigningPublicKey? key)
    {
        key = null;
        if (bytes.Length != Size)
        {
            return false;
        }
        key = DecodedSigningKeys.Find(bytes);
        if (key is not null)
        {
            return true;
        }
        var copy = bytes.ToArray();
        try
        {
            // libsodium checks the point only when it verifies; decoding it here refuses at once
            // (at enrolment, in a key file) bytes that are not on the curve.
            _ = new Ed25519PublicKeyParameters(copy);
        }
        catch (ArgumentException)
        {
            return false;
        }
        if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, copy, KeyBlobFormat.RawPublicKey, out var imported) || imported is null)
        {
            return false;
        }
        key = new SigningPublicKey(copy, imported);
        DecodedSigningKeys.Remember(key);
        return true;
    }

    public static SigningPublicKey FromBase64(string text)
    {
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            throw new FormatException("An Ed25519 public key must be base64.");
        }
        return FromBytes(bytes);
    }

    /// <summary>True when <paramref name="signature"/> is this key's signature of <paramref name="message"/> in <paramref name="domain"/>.</summary>
    public bool Verify(SigningDomain domain, ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        if (signature.Length != SignatureSize)
        {
            return false;
        }
        var prefix = SigningDomainPrefix.For(domain);
        var length = prefix.Length + message.Length;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            prefix.CopyTo(buffer, 0);
            message.CopyTo(buffer.AsSpan(prefix.Length));
            return SignatureAlgorithm.Ed25519.Verify(_key, buffer.AsSpan(0, length), signature);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public byte[] ToArray() => (byte[])_bytes.Clone();
    public string ToBase64() => Convert.ToBase64String(_bytes);
    public override string ToString() => ToBase64();

    public bool Equals(SigningPublicKey? other) => other is not null && _bytes.AsSpan().SequenceEqual(other._bytes);
    public override bool Equals(object? obj) => Equals(obj as SigningPublicKey);
    public override int GetHashCode() => BitConverter.ToInt32(_bytes, 0);
}
