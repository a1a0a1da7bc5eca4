using System.Buffers;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace EhrChain.Core.Crypto;

/// <summary>An Ed25519 public key. The decoded curve point is kept, so repeated checks skip decoding it.</summary>
public sealed class SigningPublicKey : IEquatable<SigningPublicKey>
{
    public const int Size = 32;
    public const int SignatureSize = 64;

    private readonly byte[] _bytes;
    private readonly Ed25519PublicKeyParameters _key;

    private SigningPublicKey(byte[] bytes, Ed25519PublicKeyParameters key)
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
        Ed25519PublicKeyParameters decoded;
        try
        {
            // Decodes the point once; BouncyCastle refuses bytes that are not on the curve.
            decoded = new Ed25519PublicKeyParameters(copy);
        }
        catch (ArgumentException)
        {
            return false;
        }
        key = new SigningPublicKey(copy, decoded);
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
        var buffer = ArrayPool<byte>.Shared.Rent(length + SignatureSize);
        try
        {
            prefix.CopyTo(buffer, 0);
            message.CopyTo(buffer.AsSpan(prefix.Length));
            signature.CopyTo(buffer.AsSpan(length));
            return _key.Verify(Ed25519.Algorithm.Ed25519, null, buffer, 0, length, buffer, length);
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
