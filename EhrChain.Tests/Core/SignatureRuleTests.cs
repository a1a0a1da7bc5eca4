using System.Numerics;
using System.Security.Cryptography;
using EhrChain.Core.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace EhrChain.Tests.Core;

/// <summary>
/// The edge cases on which Ed25519 libraries disagree. Every node must give the same answer on each,
/// or one signature could be valid on some nodes and not on others; these pin libsodium's rule.
/// </summary>
public sealed class SignatureRuleTests
{
    private static readonly BigInteger L = BigInteger.Pow(2, 252) + BigInteger.Parse("27742317777372353535851937790883648493");
    private static readonly byte[] Identity = Convert.FromHexString("0100000000000000000000000000000000000000000000000000000000000000");
    private static readonly byte[] BasePoint = Convert.FromHexString("5866666666666666666666666666666666666666666666666666666666666666");
    private static readonly byte[] Message = "update rec-1 allergies"u8.ToArray();

    [Test]
    public void A_signature_whose_scalar_is_not_reduced_is_refused()
    {
        var key = SigningKeyPair.Generate();
        var signature = key.Sign(SigningDomain.Transaction, Message);
        var s = Scalar(signature.AsSpan(32));

        // S + L satisfies the same equation; accepting it would make signatures malleable.
        var malleated = signature[..32].Concat(Encode(s + L)).ToArray();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, signature), Is.True);
            Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, malleated), Is.False);
        }
    }

    [Test]
    public void A_small_order_public_key_verifies_nothing()
    {
        // With the identity as key, (B, 1) satisfies [S]B = R + [k]A for every message.
        var forged = BasePoint.Concat(Encode(BigInteger.One)).ToArray();

        var decoded = SigningPublicKey.TryFromBytes(Identity, out var key);

        Assert.That(decoded && key!.Verify(SigningDomain.Transaction, Message, forged), Is.False);
    }

    [Test]
    public void A_signature_with_a_small_order_commitment_is_refused()
    {
        var seed = RandomNumberGenerator.GetBytes(SigningKeyPair.PrivateKeySize);
        var key = SigningKeyPair.FromPrivateKey(seed);
        var a = SecretScalar(seed);
        var signed = SigningDomainPrefix.For(SigningDomain.Transaction).Concat(Message).ToArray();
        var k = Scalar(SHA512.HashData(Identity.Concat(key.PublicKey.Bytes.ToArray()).Concat(signed).ToArray())) % L;

        // R = identity and S = k·a satisfy the cofactorless equation; libsodium refuses small-order R.
        var signature = Identity.Concat(Encode(k * a % L)).ToArray();

        Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, signature), Is.False);
    }

    [Test]
    public void Signatures_are_the_same_bytes_whichever_library_makes_them()
    {
        var seed = RandomNumberGenerator.GetBytes(SigningKeyPair.PrivateKeySize);
        var ours = SigningKeyPair.FromPrivateKey(seed).Sign(SigningDomain.Transaction, Message);
        var prefixed = SigningDomainPrefix.For(SigningDomain.Transaction).Concat(Message).ToArray();
        var bouncy = new byte[SigningPublicKey.SignatureSize];

        new Ed25519PrivateKeyParameters(seed).Sign(Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.Algorithm.Ed25519, null, prefixed, 0, prefixed.Length, bouncy, 0);

        Assert.That(ours, Is.EqualTo(bouncy));
    }

    [Test]
    public void A_private_key_exports_as_the_seed_it_was_made_from()
    {
        var seed = RandomNumberGenerator.GetBytes(SigningKeyPair.PrivateKeySize);

        var pair = SigningKeyPair.FromPrivateKey(seed);

        Assert.That(pair.ExportPrivateKey(), Is.EqualTo(seed));
        Assert.That(pair.PublicKey.Bytes.ToArray(), Is.EqualTo(new Ed25519PrivateKeyParameters(seed).GeneratePublicKey().GetEncoded()));
    }

    private static BigInteger Scalar(ReadOnlySpan<byte> littleEndian) => new(littleEndian, isUnsigned: true, isBigEndian: false);

    private static byte[] Encode(BigInteger value)
    {
        var bytes = new byte[32];
        Assert.That(value.TryWriteBytes(bytes, out _, isUnsigned: true, isBigEndian: false), Is.True);
        return bytes;
    }

    private static BigInteger SecretScalar(byte[] seed)
    {
        var h = SHA512.HashData(seed).AsSpan(0, 32).ToArray();
        h[0] &= 248;
        h[31] &= 127;
        h[31] |= 64;
        return Scalar(h);
    }
}
