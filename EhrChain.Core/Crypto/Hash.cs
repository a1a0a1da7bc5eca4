using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using Google.Protobuf;

namespace EhrChain.Core.Crypto;

/// <summary>A SHA-256 digest: 32 bytes held by value, compared and hashed without allocation.</summary>
public readonly struct Hash : IEquatable<Hash>, IComparable<Hash>, ISpanFormattable
{
    public const int Size = 32;

    // Four big-endian words, so comparing them in order compares the bytes lexicographically.
    private readonly ulong _a, _b, _c, _d;

    public static Hash Zero => default;

    public Hash(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A hash is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    public bool IsZero => (_a | _b | _c | _d) == 0;

    public static Hash Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        SHA256.HashData(data, digest);
        return new Hash(digest);
    }

    /// <summary>SHA-256 over several parts, as if concatenated, without building the concatenation.</summary>
    public static Hash Compute(ReadOnlySpan<byte> first, ReadOnlySpan<byte> second)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(first);
        sha.AppendData(second);
        Span<byte> digest = stackalloc byte[Size];
        sha.GetHashAndReset(digest);
        return new Hash(digest);
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        WriteTo(bytes);
        return bytes;
    }

    public ByteString ToByteString() => UnsafeByteOperations.UnsafeWrap(ToArray());

    /// <summary>Reads a hash from a wire field; an empty field is the zero hash.</summary>
    public static Hash FromByteString(ByteString value) =>
        value.IsEmpty ? Zero : new Hash(value.Span);

    public static bool TryFromBytes(ReadOnlySpan<byte> bytes, out Hash hash)
    {
        hash = bytes.Length == Size ? new Hash(bytes) : Zero;
        return bytes.Length == Size;
    }

    public static Hash Parse(string hex) =>
        TryParse(hex, out var hash) ? hash : throw new FormatException($"'{hex}' is not a 64-digit hex hash.");

    public static bool TryParse([NotNullWhen(true)] string? hex, out Hash hash)
    {
        hash = Zero;
        if (hex is null || hex.Length != Size * 2)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out var written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }
        hash = new Hash(bytes);
        return true;
    }

    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.ToHexStringLower(bytes);
    }

    public string ToString(string? format, IFormatProvider? formatProvider) => ToString();

    public bool TryFormat(Span<char> destination, out int charsWritten, ReadOnlySpan<char> format, IFormatProvider? provider)
    {
        Span<byte> bytes = stackalloc byte[Size];
        WriteTo(bytes);
        return Convert.TryToHexStringLower(bytes, destination, out charsWritten);
    }

    /// <summary>The first eight hex digits, for logs and tables.</summary>
    public string ToShortString() => ToString()[..8];

    public bool Equals(Hash other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;
    public override bool Equals(object? obj) => obj is Hash other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    public int CompareTo(Hash other)
    {
        var c = _a.CompareTo(other._a);
        if (c != 0) { return c; }
        c = _b.CompareTo(other._b);
        if (c != 0) { return c; }
        c = _c.CompareTo(other._c);
        return c != 0 ? c : _d.CompareTo(other._d);
    }

    public static bool operator ==(Hash left, Hash right) => left.Equals(right);
    public static bool operator !=(Hash left, Hash right) => !left.Equals(right);
    public static bool operator <(Hash left, Hash right) => left.CompareTo(right) < 0;
    public static bool operator >(Hash left, Hash right) => left.CompareTo(right) > 0;
    public static bool operator <=(Hash left, Hash right) => left.CompareTo(right) <= 0;
    public static bool operator >=(Hash left, Hash right) => left.CompareTo(right) >= 0;
}
