using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;

namespace EhrChain.Tests.Core;

public sealed class GenesisFileTests
{
    private static GenesisValidator Validator(int i) =>
        new($"node-{i}", $"127.0.0.1:{7100 + i}", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey);

    private static GenesisAdmin Admin() =>
        new("admin", "Network administrator", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey);

    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_genesis_file_round_trips_through_json_with_the_same_hash()
    {
        var genesis = new GenesisFile("ehr-test", CreatedAt, [.. Enumerable.Range(0, 4).Select(Validator)], Admin());

        var parsed = GenesisFile.Parse(genesis.ToJson());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Hash, Is.EqualTo(genesis.Hash));
            Assert.That(parsed.Validators.Select(v => v.SigningKey), Is.EqualTo(genesis.Validators.Select(v => v.SigningKey)));
            Assert.That(parsed.FaultsTolerated, Is.EqualTo(1));
            Assert.That(parsed.FindValidator("node-2")?.Address, Is.EqualTo("127.0.0.1:7102"));
        }
    }

    [Test]
    public void Different_validators_give_a_different_genesis_hash()
    {
        var admin = Admin();
        var first = new GenesisFile("ehr-test", CreatedAt, [.. Enumerable.Range(0, 4).Select(Validator)], admin);
        var second = new GenesisFile("ehr-test", CreatedAt, [.. Enumerable.Range(0, 4).Select(Validator)], admin);

        Assert.That(second.Hash, Is.Not.EqualTo(first.Hash));
    }

    [TestCase(3)]
    [TestCase(5)]
    public void A_validator_count_that_is_not_3f_plus_1_is_refused(int count)
    {
        Assert.That(
            () => new GenesisFile("ehr-test", CreatedAt, [.. Enumerable.Range(0, count).Select(Validator)], Admin()),
            Throws.TypeOf<FormatException>().With.Message.Contains("3f + 1"));
    }

    [Test]
    public void Duplicate_validator_ids_are_refused()
    {
        var validators = Enumerable.Range(0, 4).Select(Validator).ToList();
        validators[3] = validators[3] with { Id = "node-0" };

        Assert.That(() => new GenesisFile("ehr-test", CreatedAt, validators, Admin()), Throws.TypeOf<FormatException>().With.Message.Contains("twice"));
    }

    [Test]
    public void A_genesis_file_with_a_bad_key_is_refused_with_a_reason()
    {
        var json = new GenesisFile("ehr-test", CreatedAt, [.. Enumerable.Range(0, 4).Select(Validator)], Admin()).ToJson();
        var broken = json.Replace("\"signingPublicKey\": \"", "\"signingPublicKey\": \"AAAA", StringComparison.Ordinal);

        Assert.That(() => GenesisFile.Parse(broken), Throws.TypeOf<FormatException>());
    }
}
