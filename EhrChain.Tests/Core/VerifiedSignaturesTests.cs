using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class VerifiedSignaturesTests
{
    private static readonly Hash PayloadId = Hash.Compute([1, 2, 3]);
    private static readonly byte[] Signature = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
    private static readonly byte[] Key = Enumerable.Range(100, 32).Select(i => (byte)i).ToArray();

    [Test]
    public void A_recorded_check_is_reused_once()
    {
        var verified = new VerifiedSignatures();
        verified.Add(PayloadId, Signature, Key);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verified.TryConsume(PayloadId, Signature, Key), Is.True);
            Assert.That(verified.TryConsume(PayloadId, Signature, Key), Is.False);
        }
    }

    [Test]
    public void Another_signature_over_the_same_payload_is_not_taken_as_verified()
    {
        var verified = new VerifiedSignatures();
        verified.Add(PayloadId, Signature, Key);
        var forged = (byte[])Signature.Clone();
        forged[0] ^= 1;
        Assert.That(verified.TryConsume(PayloadId, forged, Key), Is.False);
    }

    [Test]
    public void The_same_signature_under_another_key_is_not_taken_as_verified()
    {
        var verified = new VerifiedSignatures();
        verified.Add(PayloadId, Signature, Key);
        var otherKey = (byte[])Key.Clone();
        otherKey[31] ^= 1;
        Assert.That(verified.TryConsume(PayloadId, Signature, otherKey), Is.False);
    }

    [Test]
    public void Malformed_signatures_are_never_recorded()
    {
        var verified = new VerifiedSignatures();
        verified.Add(PayloadId, Signature.AsSpan(0, 10), Key);
        Assert.That(verified.Count, Is.Zero);
    }

    [Test]
    public void The_oldest_entries_go_when_the_cache_is_full()
    {
        var verified = new VerifiedSignatures(capacity: 2);
        var ids = Enumerable.Range(0, 3).Select(i => Hash.Compute([(byte)i])).ToList();
        ids.ForEach(id => verified.Add(id, Signature, Key));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(verified.Count, Is.EqualTo(2));
            Assert.That(verified.TryConsume(ids[0], Signature, Key), Is.False);
            Assert.That(verified.TryConsume(ids[2], Signature, Key), Is.True);
        }
    }
}
