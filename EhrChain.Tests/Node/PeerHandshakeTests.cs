using System.Security.Cryptography;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Peers;
using EhrChain.Node.Validators;
using Google.Protobuf;
using Microsoft.Extensions.Time.Testing;

namespace EhrChain.Tests.Node;

public sealed class PeerHandshakeTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 2, 12, 0, 0, TimeSpan.Zero);

    private FakeTimeProvider _time = null!;
    private List<KeyFile> _validators = null!;
    private GenesisFile _genesis = null!;
    private byte[] _certificate = null!;

    [SetUp]
    public void CreateNetwork()
    {
        _time = new FakeTimeProvider(Now);
        _validators = [.. Enumerable.Range(0, 4).Select(i => KeyFile.Generate($"node-{i}", KeyRole.Validator))];
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        _genesis = new GenesisFile("ehr-test", Now.AddDays(-1),
            [.. _validators.Select((k, i) => new GenesisValidator(k.Id, $"127.0.0.1:{7100 + i}", k.Signing.PublicKey, k.Encryption.PublicKey))],
            new GenesisAdmin(admin.Id, "Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        _certificate = RandomNumberGenerator.GetBytes(32);
    }

    private PeerHello HelloFromNode1() => PeerHandshake.Create(_validators[1], "node-0", _genesis, _time, _certificate);

    private HelloRefusal? CheckOnNode0(PeerHello hello, TlsPeer? connection) =>
        PeerHandshake.Check(hello, _genesis, new ValidatorDirectory(_genesis), "node-0", _time, connection);

    [Test]
    public void A_hello_bound_to_the_connections_certificate_is_accepted()
    {
        Assert.That(CheckOnNode0(HelloFromNode1(), new TlsPeer(_certificate, "node-1")), Is.Null);
    }

    [Test]
    public void A_hello_bound_to_another_certificate_than_the_connections_is_refused()
    {
        var refusal = CheckOnNode0(HelloFromNode1(), new TlsPeer(RandomNumberGenerator.GetBytes(32), "node-1"));

        Assert.That(refusal?.Reason, Does.Contain("another TLS certificate"));
    }

    [Test]
    public void A_hello_whose_validator_differs_from_the_certificates_is_refused()
    {
        var refusal = CheckOnNode0(HelloFromNode1(), new TlsPeer(_certificate, "node-2"));

        Assert.That(refusal?.Reason, Does.Contain("names 'node-1' but the TLS certificate names 'node-2'"));
    }

    [Test]
    public void A_hello_bound_to_a_certificate_is_refused_on_a_plaintext_connection()
    {
        var refusal = CheckOnNode0(HelloFromNode1(), connection: null);

        Assert.That(refusal?.Reason, Does.Contain("plaintext"));
    }

    [Test]
    public void A_hello_whose_certificate_hash_was_changed_fails_its_signature()
    {
        var hello = HelloFromNode1();
        var other = RandomNumberGenerator.GetBytes(32);
        hello.TlsCertificateSha256 = ByteString.CopyFrom(other);

        var refusal = CheckOnNode0(hello, new TlsPeer(other, "node-1"));

        Assert.That(refusal?.Reason, Is.EqualTo("bad hello signature"));
    }

    [Test]
    public void A_hello_addressed_to_another_validator_is_refused()
    {
        var toNode2 = PeerHandshake.Create(_validators[1], "node-2", _genesis, _time, _certificate);

        var refusal = CheckOnNode0(toNode2, new TlsPeer(_certificate, "node-1"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal?.IsMalformed, Is.False);
            Assert.That(refusal?.Reason, Does.Contain("addressed to 'node-2', not to this validator"));
        }
    }

    [Test]
    public void A_hello_whose_listener_was_changed_fails_its_signature()
    {
        var hello = PeerHandshake.Create(_validators[1], "node-2", _genesis, _time, _certificate);
        hello.ListenerId = "node-0";

        var refusal = CheckOnNode0(hello, new TlsPeer(_certificate, "node-1"));

        Assert.That(refusal?.Reason, Is.EqualTo("bad hello signature"));
    }

    [Test]
    public void A_hello_older_than_the_max_age_is_refused()
    {
        var hello = HelloFromNode1();
        _time.Advance(PeerHandshake.MaxAge + TimeSpan.FromSeconds(1));

        var refusal = CheckOnNode0(hello, new TlsPeer(_certificate, "node-1"));

        Assert.That(refusal?.Reason, Does.Contain("from this node's clock"));
    }

    // Each case: what is wrong with the hello, whether it is malformed (not a hello at all), and the reason given.
    private static IEnumerable<TestCaseData> Garbage()
    {
        yield return new TestCaseData((Action<PeerHello>)(h => h.GenesisHash = ByteString.CopyFrom(1, 2, 3, 4, 5)), true, "genesis hash is 5 bytes").SetName("A_hello_with_a_5_byte_genesis_hash_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.TimeUnixMs = long.MaxValue), false, "from this node's clock").SetName("A_hello_at_int64_max_time_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.TimeUnixMs = long.MinValue), false, "from this node's clock").SetName("A_hello_at_int64_min_time_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ValidatorId = ""), true, "names no validator").SetName("A_hello_without_a_validator_id_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.GenesisHash = ByteString.Empty), true, "genesis hash is 0 bytes").SetName("A_hello_without_a_genesis_hash_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.Signature = ByteString.Empty), true, "signature is 0 bytes").SetName("A_hello_without_a_signature_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.TlsCertificateSha256 = ByteString.CopyFrom(new byte[7])), true, "certificate hash is 7 bytes").SetName("A_hello_with_a_7_byte_certificate_hash_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ValidatorId = "intruder"), false, "'intruder' is not a validator").SetName("A_hello_from_a_non_validator_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ValidatorId = "node-0"), false, "cannot dial itself").SetName("A_hello_naming_the_listener_itself_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ListenerId = ""), true, "names no listener").SetName("A_hello_without_a_listener_id_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ListenerId = new string('x', 1 << 20)), true, "listener id is 1048576 bytes").SetName("A_hello_with_a_1_MiB_listener_id_is_refused");
        yield return new TestCaseData((Action<PeerHello>)(h => h.ValidatorId = new string('x', 1 << 20)), true, "validator id is 1048576 bytes").SetName("A_hello_with_a_1_MiB_validator_id_is_refused");
    }

    [TestCaseSource(nameof(Garbage))]
    public void A_garbage_hello_is_refused_with_a_reason_and_no_exception(Action<PeerHello> spoil, bool malformed, string reason)
    {
        var hello = HelloFromNode1();
        spoil(hello);

        HelloRefusal? refusal = null;
        Assert.DoesNotThrow(() => refusal = CheckOnNode0(hello, new TlsPeer(_certificate, hello.ValidatorId)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal, Is.Not.Null);
            Assert.That(refusal?.IsMalformed, Is.EqualTo(malformed));
            Assert.That(refusal?.Reason, Does.Contain(reason));
            Assert.That(refusal?.Reason.Length, Is.LessThan(200), "a refusal quotes at most a short prefix of the input");
        }
    }

    [Test]
    public void A_hello_is_used_once_and_forgotten_after_the_max_age()
    {
        var seen = new SeenHellos(_time);
        var hello = HelloFromNode1();

        var first = seen.TryUse(hello);
        var replay = seen.TryUse(hello.Clone());
        var other = seen.TryUse(PeerHandshake.Create(_validators[2], "node-0", _genesis, _time, _certificate));
        _time.Advance(PeerHandshake.MaxAge + TimeSpan.FromSeconds(1));
        seen.TryUse(PeerHandshake.Create(_validators[3], "node-0", _genesis, _time, _certificate));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.True);
            Assert.That(replay, Is.False);
            Assert.That(other, Is.True);
            Assert.That(seen.Count, Is.EqualTo(1), "hellos past their max age are dropped");
        }
    }
}
