using System.Security.Cryptography;
using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class ContentCipherTests
{
    private static readonly byte[] Entry = "Penicillin allergy: anaphylaxis in 2019"u8.ToArray();
    private static readonly byte[] Context = "rec-1|allergy|dr-alice|epoch-0"u8.ToArray();

    [Test]
    public void Content_decrypts_with_its_key_and_associated_data()
    {
        var key = ContentCipher.GenerateKey();

        var sealedEntry = ContentCipher.Encrypt(key, Entry, Context);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ContentCipher.Decrypt(key, sealedEntry, Context), Is.EqualTo(Entry));
            Assert.That(sealedEntry, Has.Length.EqualTo(Entry.Length + ContentCipher.Overhead));
        }
    }

    [Test]
    public void Content_does_not_decrypt_with_another_key()
    {
        var sealedEntry = ContentCipher.Encrypt(ContentCipher.GenerateKey(), Entry, Context);

        Assert.That(() => ContentCipher.Decrypt(ContentCipher.GenerateKey(), sealedEntry, Context), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void Content_moved_to_another_context_does_not_decrypt()
    {
        var key = ContentCipher.GenerateKey();
        var sealedEntry = ContentCipher.Encrypt(key, Entry, Context);

        Assert.That(() => ContentCipher.Decrypt(key, sealedEntry, "rec-2|allergy|dr-alice|epoch-0"u8), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void Content_with_a_flipped_bit_does_not_decrypt()
    {
        var key = ContentCipher.GenerateKey();
        var sealedEntry = ContentCipher.Encrypt(key, Entry, Context);

        sealedEntry[ContentCipher.NonceSize + 3] ^= 0x01;

        Assert.That(() => ContentCipher.Decrypt(key, sealedEntry, Context), Throws.InstanceOf<CryptographicException>());
    }

    [Test]
    public void A_key_of_the_wrong_size_is_refused()
    {
        Assert.That(() => ContentCipher.Encrypt(new byte[16], Entry, Context), Throws.InstanceOf<CryptographicException>());
    }
}
