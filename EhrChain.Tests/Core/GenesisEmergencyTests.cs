using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;

namespace EhrChain.Tests.Core;

public sealed class GenesisEmergencyTests
{
    private static readonly DateTimeOffset CreatedAt = new(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
    private static readonly GenesisAdmin TheAdmin = new("admin", "Network administrator", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey);
    private static readonly List<GenesisValidator> Validators = [.. Enumerable.Range(0, 4).Select(i =>
        new GenesisValidator($"node-{i}", $"127.0.0.1:{7100 + i}", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey))];

    private static GenesisTrustee Trustee(int i) => new($"node-{i}.emergency", SigningKeyPair.Generate().PublicKey, EncryptionKeyPair.Generate().PublicKey);

    private static List<GenesisTrustee> Trustees(int n) => [.. Enumerable.Range(0, n).Select(Trustee)];

    private static GenesisFile With(GenesisEmergency? emergency) => new("ehr-test", CreatedAt, Validators, TheAdmin, emergency);

    [Test]
    public void The_emergency_section_round_trips_with_the_same_hash()
    {
        var genesis = With(GenesisEmergency.WithDefaults(Trustees(4)));

        var parsed = GenesisFile.Parse(genesis.ToJson());

        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Hash, Is.EqualTo(genesis.Hash));
            Assert.That(parsed.Emergency!.Threshold, Is.EqualTo(2));
            Assert.That(parsed.Emergency.DefaultDuration, Is.EqualTo(TimeSpan.FromHours(4)));
            Assert.That(parsed.Emergency.MaxDuration, Is.EqualTo(TimeSpan.FromHours(24)));
            Assert.That(parsed.Emergency.ReviewWindow, Is.EqualTo(TimeSpan.FromHours(72)));
            Assert.That(parsed.Emergency.Trustees.Select(t => t.EncryptionKey), Is.EqualTo(genesis.Emergency!.Trustees.Select(t => t.EncryptionKey)));
        }
    }

    [Test]
    public void A_genesis_without_trustees_writes_no_emergency_section()
    {
        var json = With(null).ToJson();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(json, Does.Not.Contain("emergency"));
            Assert.That(GenesisFile.Parse(json).Emergency, Is.Null);
        }
    }

    [Test]
    public void The_trustees_are_part_of_the_genesis_hash()
    {
        var withTrustees = With(GenesisEmergency.WithDefaults(Trustees(4)));

        Assert.That(withTrustees.Hash, Is.Not.EqualTo(With(null).Hash));
    }

    [TestCase(1)]
    [TestCase(5)]
    public void A_threshold_below_two_or_above_the_trustees_is_refused(int threshold)
    {
        var defaults = GenesisEmergency.WithDefaults(Trustees(4));

        Assert.That(() => With(new GenesisEmergency(defaults.Trustees, threshold, defaults.DefaultDuration, defaults.MaxDuration, defaults.ReviewWindow)),
            Throws.TypeOf<FormatException>().With.Message.Contains("threshold"));
    }

    [Test]
    public void The_Admin_cannot_be_a_trustee()
    {
        var trustees = Trustees(3);
        trustees.Add(new GenesisTrustee("admins-own", SigningKeyPair.Generate().PublicKey, TheAdmin.EncryptionKey));

        Assert.That(() => With(GenesisEmergency.WithDefaults(trustees)), Throws.TypeOf<FormatException>().With.Message.Contains("Admin"));
    }

    [Test]
    public void Two_trustees_with_one_key_are_refused()
    {
        var trustees = Trustees(4);
        trustees[3] = trustees[3] with { EncryptionKey = trustees[0].EncryptionKey };

        Assert.That(() => With(GenesisEmergency.WithDefaults(trustees)), Throws.TypeOf<FormatException>().With.Message.Contains("share a key"));
    }

    [Test]
    public void A_maximum_above_24_hours_or_a_default_above_the_maximum_is_refused()
    {
        var trustees = Trustees(4);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => With(new GenesisEmergency(trustees, 2, TimeSpan.FromHours(4), TimeSpan.FromHours(25), TimeSpan.FromDays(3))), Throws.TypeOf<FormatException>());
            Assert.That(() => With(new GenesisEmergency(trustees, 2, TimeSpan.FromHours(5), TimeSpan.FromHours(4), TimeSpan.FromDays(3))), Throws.TypeOf<FormatException>());
        }
    }

    [Test]
    public void Hostile_durations_in_the_file_are_a_format_error()
    {
        var json = With(GenesisEmergency.WithDefaults(Trustees(4))).ToJson()
            .Replace("\"maxDurationMinutes\": 1440", "\"maxDurationMinutes\": 9223372036854775807", StringComparison.Ordinal);

        Assert.That(() => GenesisFile.Parse(json), Throws.TypeOf<FormatException>().With.Message.Contains("maxDurationMinutes"));
    }
}
