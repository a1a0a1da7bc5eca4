using System.Text.Json.Nodes;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Tests.Support;

namespace EhrChain.Tests.Core;

public sealed class KeyFileTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = new TempDirectory();

    [TearDown]
    public void RemoveDirectory() => _directory.Dispose();

    private static void AssertSameKeys(KeyFile actual, KeyFile expected)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(actual.Id, Is.EqualTo(expected.Id));
            Assert.That(actual.Role, Is.EqualTo(expected.Role));
            Assert.That(actual.Signing.PublicKey, Is.EqualTo(expected.Signing.PublicKey));
            Assert.That(actual.Signing.ExportPrivateKey(), Is.EqualTo(expected.Signing.ExportPrivateKey()));
            Assert.That(actual.Encryption.ExportPrivateKey(), Is.EqualTo(expected.Encryption.ExportPrivateKey()));
        }
    }

    [Test]
    public void A_key_file_without_passphrase_round_trips()
    {
        var keys = KeyFile.Generate("pat-1", KeyRole.Patient);
        var path = _directory.Combine("pat-1.key.json");

        keys.Save(path);

        AssertSameKeys(KeyFile.Load(path), keys);
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_key_file_is_readable_only_by_its_owner()
    {
        var path = _directory.Combine("dr.key.json");

        KeyFile.Generate("dr-1", KeyRole.Doctor).Save(path);

        Assert.That(File.GetUnixFileMode(path), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
    }

    [Test]
    public void A_key_file_with_passphrase_round_trips_and_keeps_private_keys_out_of_the_file()
    {
        var keys = KeyFile.Generate("lab-1", KeyRole.Laboratory);
        var path = _directory.Combine("lab.key.json");

        keys.Save(path, "correct horse battery staple");
        var text = File.ReadAllText(path);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Not.Contain(Convert.ToBase64String(keys.Signing.ExportPrivateKey())));
            Assert.That(text, Does.Contain("scrypt"));
        }
        AssertSameKeys(KeyFile.Load(path, "correct horse battery staple"), keys);
    }

    [Test]
    public void A_wrong_passphrase_is_a_clear_error()
    {
        var path = _directory.Combine("admin.key.json");
        KeyFile.Generate("admin", KeyRole.Admin).Save(path, "right");

        Assert.That(() => KeyFile.Load(path, "wrong"), Throws.TypeOf<KeyFileException>().With.Message.Contains("wrong passphrase"));
    }

    [Test]
    public void An_encrypted_key_file_without_a_passphrase_says_one_is_needed()
    {
        var path = _directory.Combine("admin.key.json");
        KeyFile.Generate("admin", KeyRole.Admin).Save(path, "right");

        Assert.That(() => KeyFile.Load(path), Throws.TypeOf<KeyFileException>().With.Message.Contains("passphrase is needed"));
    }

    [Test]
    public void Changing_the_public_part_of_an_encrypted_file_stops_it_unlocking()
    {
        var path = _directory.Combine("pat.key.json");
        KeyFile.Generate("pat-1", KeyRole.Patient).Save(path, "pass");
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["role"] = "admin";
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(() => KeyFile.Load(path, "pass"), Throws.TypeOf<KeyFileException>());
    }

    [Test]
    public void A_clear_key_file_whose_public_key_does_not_match_is_refused()
    {
        var path = _directory.Combine("pat.key.json");
        KeyFile.Generate("pat-1", KeyRole.Patient).Save(path);
        var json = JsonNode.Parse(File.ReadAllText(path))!;
        json["signingPublicKey"] = SigningKeyPair.Generate().PublicKey.ToBase64();
        File.WriteAllText(path, json.ToJsonString());

        Assert.That(() => KeyFile.Load(path), Throws.TypeOf<KeyFileException>().With.Message.Contains("do not match"));
    }

    [TestCase("{")]
    [TestCase("{\"version\": 9}")]
    [TestCase("{\"version\": 1, \"id\": \"x\", \"role\": \"emperor\"}")]
    public void A_malformed_key_file_is_a_clear_error(string json)
    {
        var path = _directory.Combine("bad.key.json");
        File.WriteAllText(path, json);

        Assert.That(() => KeyFile.Load(path), Throws.TypeOf<KeyFileException>().With.Message.StartsWith($"Key file '{path}'"));
    }

    [Test]
    public void A_missing_key_file_is_a_clear_error()
    {
        Assert.That(() => KeyFile.Load(_directory.Combine("absent.json")), Throws.TypeOf<KeyFileException>().With.Message.Contains("Cannot read key file"));
    }

    [Test]
    public void An_id_with_spaces_is_refused()
    {
        Assert.That(() => KeyFile.Generate("dr alice", KeyRole.Doctor), Throws.TypeOf<FormatException>());
    }
}
