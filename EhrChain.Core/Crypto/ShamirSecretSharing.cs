using System.Security.Cryptography;

namespace EhrChain.Core.Crypto;

/// <summary>
/// Shamir's k-of-n secret sharing over GF(2^8) (the AES field, x^8 + x^4 + x^3 + x + 1), byte by
/// byte: each byte of the secret is the constant term of its own random polynomial of degree
/// k - 1, and share i is the polynomials evaluated at x = i (1..n, never 0, which is the secret).
/// A share is <c>index(1) || one byte per secret byte</c>. Any k shares give the secret back by
/// Lagrange interpolation at 0; k - 1 shares are consistent with every secret, so they say
/// nothing about it. No well-kept .NET library implements this, which is why it lives here; it
/// is written without table lookups or branches on secret bytes, so its timing does not depend
/// on the secret.
/// </summary>
public static class ShamirSecretSharing
{
    public const int MaxShares = 255;

    public static int ShareSize(int secretLength) => 1 + secretLength;

    /// <summary>
    /// Splits <paramref name="secret"/> into <paramref name="shares"/> shares, any <paramref name="threshold"/> of which
    /// recover it. <paramref name="random"/> fills the polynomials' coefficients: the system CSPRNG when null; tests inject their own.
    /// </summary>
    public static byte[][] Split(ReadOnlySpan<byte> secret, int shares, int threshold, Action<Span<byte>>? random = null)
    {
        if (secret.IsEmpty)
        {
            throw new ArgumentException("The secret is empty.", nameof(secret));
        }
        if (threshold < 2 || threshold > shares || shares > MaxShares)
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), $"Need 2 <= threshold ({threshold}) <= shares ({shares}) <= {MaxShares}.");
        }
        random ??= RandomNumberGenerator.Fill;
        var result = new byte[shares][];
        for (var i = 0; i < shares; i++)
        {
            result[i] = new byte[ShareSize(secret.Length)];
            result[i][0] = (byte)(i + 1);
        }
        var coefficients = new byte[threshold - 1];
        try
        {
            for (var b = 0; b < secret.Length; b++)
            {
                random(coefficients);
                for (var i = 0; i < shares; i++)
                {
                    result[i][1 + b] = Evaluate(secret[b], coefficients, (byte)(i + 1));
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(coefficients);
        }
        return result;
    }

    /// <summary>
    /// The secret from at least threshold shares of one split (more are harmless). Throws
    /// <see cref="ArgumentException"/> for shares of different lengths, a zero index or one index
    /// twice. Fewer than the threshold give a wrong secret, not an error: nothing in the shares
    /// says how many are needed; the caller knows the network's threshold.
    /// </summary>
    public static byte[] Combine(IReadOnlyList<byte[]> shares)
    {
        ArgumentNullException.ThrowIfNull(shares);
        if (shares.Count < 2)
        {
            throw new ArgumentException("At least two shares are needed.", nameof(shares));
        }
        var length = shares[0].Length;
        if (length < 2 || shares.Any(s => s.Length != length))
        {
            throw new ArgumentException("The shares are not of one split: their lengths differ.", nameof(shares));
        }
        var indices = shares.Select(s => s[0]).ToArray();
        if (indices.Contains((byte)0) || indices.Distinct().Count() != indices.Length)
        {
            throw new ArgumentException("Share indices must be distinct and non-zero.", nameof(shares));
        }

        // Lagrange basis at x = 0: l_j = prod_{m != j} x_m / (x_m - x_j); subtraction is XOR in GF(2^8).
        var basis = new byte[shares.Count];
        for (var j = 0; j < shares.Count; j++)
        {
            byte numerator = 1, denominator = 1;
            for (var m = 0; m < shares.Count; m++)
            {
                if (m != j)
                {
                    numerator = Multiply(numerator, indices[m]);
                    denominator = Multiply(denominator, (byte)(indices[m] ^ indices[j]));
                }
            }
            basis[j] = Multiply(numerator, Inverse(denominator));
        }
        var secret = new byte[length - 1];
        for (var b = 0; b < secret.Length; b++)
        {
            byte value = 0;
            for (var j = 0; j < shares.Count; j++)
            {
                value ^= Multiply(basis[j], shares[j][1 + b]);
            }
            secret[b] = value;
        }
        return secret;
    }

    /// <summary>Horner's rule for constant + c1 x + ... + c_{k-1} x^{k-1}.</summary>
    private static byte Evaluate(byte constant, byte[] coefficients, byte x)
    {
        byte value = 0;
        for (var c = coefficients.Length - 1; c >= 0; c--)
        {
            value = (byte)(Multiply(value, x) ^ coefficients[c]);
        }
        return (byte)(Multiply(value, x) ^ constant);
    }

    /// <summary>Carry-less multiplication reduced by the AES polynomial, with masks instead of branches.</summary>
    internal static byte Multiply(byte a, byte b)
    {
        int x = a, y = b, product = 0;
        for (var i = 0; i < 8; i++)
        {
            product ^= x & -(y & 1);
            y >>= 1;
            x = (x << 1) ^ (0x11B & -((x >> 7) & 1));
        }
        return (byte)product;
    }

    /// <summary>a^254 = a^-1 in GF(2^8) (and 0 for 0, which never reaches it: indices are distinct).</summary>
    internal static byte Inverse(byte a)
    {
        byte result = 1, power = a;
        for (var exponent = 254; exponent > 0; exponent >>= 1)
        {
            if ((exponent & 1) != 0)
            {
                result = Multiply(result, power);
            }
            power = Multiply(power, power);
        }
        return result;
    }
}
