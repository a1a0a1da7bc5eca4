using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class HashTests
{
    [Test]
    public void Sha256_of_abc_matches_the_published_test_vector()
    {
        var hash = Hash.Compute("abc"u8);

        Assert.That(hash.ToString(), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
    }

    [Test]
    public void Hex_formatting_and_parsing_round_trip()
    {
        var hash = Hash.Compute("round trip"u8);

        Assert.That(Hash.Parse(hash.ToString()), Is.EqualTo(hash));
        Assert.That(Hash.Parse(hash.ToString().ToUpperInvariant()), Is.EqualTo(hash));
    }

    [TestCase("")]
    [TestCase("abc")]
    [TestCase("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")]
    [TestCase("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad00")]
    public void Malformed_hex_is_not_a_hash(string text)
    {
        Assert.That(Hash.TryParse(text, out _), Is.False);
        Assert.That(() => Hash.Parse(text), Throws.TypeOf<FormatException>());
    }

    [Test]
    public void Bytes_round_trip_and_order_follows_the_bytes()
    {
        var low = new byte[32];
        var high = new byte[32];
        high[0] = 1;
        var lowHash = new Hash(low);
        var highHash = new Hash(high);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(highHash.ToArray(), Is.EqualTo(high));
            Assert.That(lowHash, Is.LessThan(highHash));
            Assert.That(lowHash.IsZero, Is.True);
            Assert.That(Hash.FromByteString(highHash.ToByteString()), Is.EqualTo(highHash));
            Assert.That(() => new Hash(new byte[31]), Throws.ArgumentException);
        }
    }

    [Test]
    public void Hashing_two_parts_equals_hashing_their_concatenation()
    {
        Assert.That(Hash.Compute("ab"u8, "cd"u8), Is.EqualTo(Hash.Compute("abcd"u8)));
    }
}
