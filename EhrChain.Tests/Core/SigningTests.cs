using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class SigningTests
{
    private static readonly byte[] Message = "grant dr-alice read-write on rec-1"u8.ToArray();

    [Test]
    public void A_signature_verifies_with_the_signers_public_key()
    {
        var key = SigningKeyPair.Generate();

        var signature = key.Sign(SigningDomain.Transaction, Message);

        Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, signature), Is.True);
    }

    [Test]
    public void A_signature_does_not_verify_with_another_key()
    {
        var signer = SigningKeyPair.Generate();
        var other = SigningKeyPair.Generate();

        var signature = signer.Sign(SigningDomain.Transaction, Message);

        Assert.That(other.PublicKey.Verify(SigningDomain.Transaction, Message, signature), Is.False);
    }

    [TestCase(0)]
    [TestCase(17)]
    [TestCase(63)]
    public void A_signature_with_a_flipped_bit_does_not_verify(int index)
    {
        var key = SigningKeyPair.Generate();
        var signature = key.Sign(SigningDomain.Transaction, Message);

        signature[index] ^= 0x04;

        Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, signature), Is.False);
    }

    [Test]
    public void A_changed_message_does_not_verify()
    {
        var key = SigningKeyPair.Generate();
        var signature = key.Sign(SigningDomain.Transaction, Message);
        var changed = (byte[])Message.Clone();
        changed[^1] ^= 0x01;

        Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, changed, signature), Is.False);
    }

    [TestCase(SigningDomain.Transaction, SigningDomain.ReadRequest)]
    [TestCase(SigningDomain.ReadRequest, SigningDomain.Transaction)]
    [TestCase(SigningDomain.ConsensusMessage, SigningDomain.Transaction)]
    public void A_signature_made_for_one_domain_does_not_verify_in_another(SigningDomain signedFor, SigningDomain checkedAs)
    {
        var key = SigningKeyPair.Generate();

        var signature = key.Sign(signedFor, Message);

        Assert.That(key.PublicKey.Verify(checkedAs, Message, signature), Is.False);
    }

    [Test]
    public void A_signature_of_the_wrong_length_does_not_verify()
    {
        var key = SigningKeyPair.Generate();
        var signature = key.Sign(SigningDomain.Transaction, Message);

        Assert.That(key.PublicKey.Verify(SigningDomain.Transaction, Message, signature.AsSpan(0, 63)), Is.False);
    }

    [Test]
    public void A_key_pair_rebuilt_from_its_private_key_has_the_same_public_key()
    {
        var key = SigningKeyPair.Generate();

        var rebuilt = SigningKeyPair.FromPrivateKey(key.ExportPrivateKey());

        Assert.That(rebuilt.PublicKey, Is.EqualTo(key.PublicKey));
    }

    [Test]
    public void Rfc8032_test_vector_one_gives_the_published_public_key()
    {
        var key = SigningKeyPair.FromPrivateKey(Convert.FromHexString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));

        Assert.That(Convert.ToHexStringLower(key.PublicKey.Bytes), Is.EqualTo("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
    }

    [Test]
    public void Public_keys_that_are_not_curve_points_or_the_wrong_size_are_refused()
    {
        var notAPoint = Convert.FromHexString("0200000000000000000000000000000000000000000000000000000000000000");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(SigningPublicKey.TryFromBytes(new byte[31], out _), Is.False);
            Assert.That(SigningPublicKey.TryFromBytes(notAPoint, out _), Is.False);
            Assert.That(() => SigningPublicKey.FromBase64("not base64!"), Throws.TypeOf<FormatException>());
        }
    }

    [Test]
    public void A_key_decoded_once_is_reused_and_still_checks_signatures()
    {
        var pair = SigningKeyPair.Generate();
        var signature = pair.Sign(SigningDomain.Transaction, "payload"u8);

        Assert.That(SigningPublicKey.TryFromBytes(pair.PublicKey.Bytes, out var first), Is.True);
        Assert.That(SigningPublicKey.TryFromBytes(pair.PublicKey.Bytes.ToArray(), out var second), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(second, Is.SameAs(first));
            Assert.That(second!.Verify(SigningDomain.Transaction, "payload"u8, signature), Is.True);
            Assert.That(second.Verify(SigningDomain.Transaction, "payloaD"u8, signature), Is.False);
        }
    }
}
