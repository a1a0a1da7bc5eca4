using System.Security.Cryptography;
using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class SealedBoxTests
{
    [Test]
    public void A_data_key_sealed_to_a_public_key_opens_with_its_private_key()
    {
        var recipient = EncryptionKeyPair.Generate();
        var dataKey = ContentCipher.GenerateKey();

        var box = SealedBox.Seal(recipient.PublicKey, dataKey);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(SealedBox.Open(recipient, box), Is.EqualTo(dataKey));
            Assert.That(box, Has.Length.EqualTo(SealedBox.SealedSize(32)));
        }
    }

    [Test]
    public void Sealing_the_same_key_twice_gives_different_boxes()
    {
        var recipient = EncryptionKeyPair.Generate();
        var dataKey = ContentCipher.GenerateKey();

        var first = SealedBox.Seal(recipient.PublicKey, dataKey);
        var second = SealedBox.Seal(recipient.PublicKey, dataKey);

        Assert.That(second, Is.Not.EqualTo(first));
    }

    [Test]
    public void A_box_does_not_open_with_another_private_key()
    {
        var box = SealedBox.Seal(EncryptionKeyPair.Generate().PublicKey, ContentCipher.GenerateKey());

        Assert.That(() => SealedBox.Open(EncryptionKeyPair.Generate(), box), Throws.InstanceOf<CryptographicException>());
    }

    [TestCase(0)]
    [TestCase(5)]
    [TestCase(40)]
    [TestCase(-1)]
    public void A_box_with_a_flipped_bit_does_not_open(int index)
    {
        var recipient = EncryptionKeyPair.Generate();
        var box = SealedBox.Seal(recipient.PublicKey, ContentCipher.GenerateKey());

        box[index >= 0 ? index : box.Length + index] ^= 0x10;

        Assert.That(() => SealedBox.Open(recipient, box), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void A_truncated_box_does_not_open()
    {
        var recipient = EncryptionKeyPair.Generate();
        var box = SealedBox.Seal(recipient.PublicKey, ContentCipher.GenerateKey());

        Assert.That(() => SealedBox.Open(recipient, box.AsSpan(0, 40)), Throws.InstanceOf<CryptographicException>());
    }
}
