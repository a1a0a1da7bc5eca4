using System.Security.Cryptography;
using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class ShamirSecretSharingTests
{
    [Test]
    public void Every_subset_of_threshold_shares_reconstructs_the_secret([Values(2, 3, 4)] int threshold)
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 5, threshold);

        foreach (var subset in Subsets(shares.Length, threshold))
        {
            Assert.That(ShamirSecretSharing.Combine(subset.Select(i => shares[i]).ToArray()), Is.EqualTo(secret), $"shares {string.Join(",", subset)}");
        }
    }

    [Test]
    public void More_shares_than_the_threshold_reconstruct_the_secret_too()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 7, 3);

        Assert.That(ShamirSecretSharing.Combine(shares), Is.EqualTo(secret));
    }

    [Test]
    public void Share_indices_are_one_to_n_and_shares_are_one_byte_longer_than_the_secret()
    {
        var shares = ShamirSecretSharing.Split(new byte[32], 4, 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shares.Select(s => (int)s[0]), Is.EqualTo(new[] { 1, 2, 3, 4 }));
            Assert.That(shares.Select(s => s.Length), Is.All.EqualTo(ShamirSecretSharing.ShareSize(32)));
        }
    }

    /// <summary>
    /// The structural reason k - 1 shares say nothing: for every candidate secret byte there is
    /// exactly one polynomial through the k - 1 points with that constant term. So, fixing k - 1
    /// shares' values and varying the last coefficient over all 256 values, each secret value
    /// appears exactly once.
    /// </summary>
    [Test]
    public void Fewer_than_threshold_shares_are_consistent_with_every_secret_equally()
    {
        var observed = new byte[] { 0x5A };
        var counts = new int[256];
        for (var candidate = 0; candidate < 256; candidate++)
        {
            // Threshold 2: share 1 is fixed; for each candidate secret the coefficient is determined uniquely.
            var matching = 0;
            for (var coefficient = 0; coefficient < 256; coefficient++)
            {
                var c = (byte)coefficient;
                var share = ShamirSecretSharing.Split([(byte)candidate], 3, 2, span => span[0] = c)[0];
                if (share[1] == observed[0])
                {
                    matching++;
                }
            }
            counts[candidate] = matching;
        }
        Assert.That(counts, Is.All.EqualTo(1));
    }

    [Test]
    public void Threshold_minus_one_shares_give_a_wrong_secret_not_the_real_one()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var shares = ShamirSecretSharing.Split(secret, 4, 3);

        Assert.That(ShamirSecretSharing.Combine([shares[0], shares[1]]), Is.Not.EqualTo(secret));
    }

    [Test]
    public void Two_splits_of_the_same_secret_give_different_shares()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        var first = ShamirSecretSharing.Split(secret, 4, 2);

        var second = ShamirSecretSharing.Split(secret, 4, 2);

        Assert.That(second[0], Is.Not.EqualTo(first[0]));
    }

    [Test]
    public void Bad_parameters_are_refused()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => ShamirSecretSharing.Split(new byte[32], 4, 1), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ShamirSecretSharing.Split(new byte[32], 3, 4), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ShamirSecretSharing.Split(new byte[32], 256, 2), Throws.InstanceOf<ArgumentOutOfRangeException>());
            Assert.That(() => ShamirSecretSharing.Split([], 4, 2), Throws.ArgumentException);
        }
    }

    [Test]
    public void Duplicate_zero_or_mismatched_shares_are_refused()
    {
        var shares = ShamirSecretSharing.Split(new byte[32], 4, 2);
        var zero = (byte[])shares[1].Clone();
        zero[0] = 0;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => ShamirSecretSharing.Combine([shares[0], shares[0]]), Throws.ArgumentException);
            Assert.That(() => ShamirSecretSharing.Combine([shares[0], zero]), Throws.ArgumentException);
            Assert.That(() => ShamirSecretSharing.Combine([shares[0], shares[1][..10]]), Throws.ArgumentException);
            Assert.That(() => ShamirSecretSharing.Combine([shares[0]]), Throws.ArgumentException);
        }
    }

    [Test]
    public void Field_multiplication_has_an_inverse_for_every_non_zero_byte()
    {
        for (var a = 1; a < 256; a++)
        {
            Assert.That(ShamirSecretSharing.Multiply((byte)a, ShamirSecretSharing.Inverse((byte)a)), Is.EqualTo(1), $"a = {a}");
        }
        // The AES field's known product: 0x57 * 0x83 = 0xC1 (FIPS-197, 4.2).
        Assert.That(ShamirSecretSharing.Multiply(0x57, 0x83), Is.EqualTo(0xC1));
    }

    private static IEnumerable<int[]> Subsets(int n, int k)
    {
        for (var mask = 0; mask < 1 << n; mask++)
        {
            if (int.PopCount(mask) == k)
            {
                yield return Enumerable.Range(0, n).Where(i => (mask & (1 << i)) != 0).ToArray();
            }
        }
    }
}
