using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Consensus;

public sealed class ValidatorSetTests
{
    private static ValidatorSet OfSize(int n) =>
        new(Enumerable.Range(0, n).Select(i => ($"v{i}", SigningKeyPair.Generate().PublicKey)));

    [TestCase(4, 1, 3)]
    [TestCase(5, 1, 4)]
    [TestCase(6, 1, 4)]
    [TestCase(7, 2, 5)]
    [TestCase(10, 3, 7)]
    public void Quorum_is_ceil_of_n_plus_f_plus_one_over_two(int n, int faults, int quorum)
    {
        var set = OfSize(n);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(set.FaultsTolerated, Is.EqualTo(faults));
            Assert.That(set.Quorum, Is.EqualTo(quorum));
            // Two quorums share more than f validators, so at least one honest one.
            Assert.That(2 * set.Quorum - n, Is.GreaterThanOrEqualTo(faults + 1));
        }
    }

    [Test]
    public void Fewer_than_four_validators_are_refused()
    {
        Assert.That(() => OfSize(3), Throws.ArgumentException.With.Message.Contains("at least 4"));
    }

    [Test]
    public void A_validator_id_twice_is_refused()
    {
        var key = SigningKeyPair.Generate().PublicKey;
        Assert.That(() => new ValidatorSet([("a", key), ("b", key), ("c", key), ("a", key)]), Throws.ArgumentException.With.Message.Contains("twice"));
    }
}
