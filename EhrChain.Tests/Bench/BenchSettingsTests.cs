using EhrChain.Bench;

namespace EhrChain.Tests.Bench;

public sealed class BenchSettingsTests
{
    private static BenchSettings Local(double? rate = null, int payload = 512) =>
        new([], 4, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10), 16, rate, BenchMix.Append, payload, "bench-out", 32, null);

    [Test]
    public void Max_means_a_closed_loop_and_a_number_an_open_loop_at_that_rate()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(BenchSettings.TryParseRate("max", out var max), Is.True);
            Assert.That(max, Is.Null);
            Assert.That(BenchSettings.TryParseRate("MAX", out _), Is.True);
            Assert.That(BenchSettings.TryParseRate("2000", out var open), Is.True);
            Assert.That(open, Is.EqualTo(2000));
            Assert.That(BenchSettings.TryParseRate("12.5", out var fractional), Is.True);
            Assert.That(fractional, Is.EqualTo(12.5));
        }
    }

    [TestCase("0")]
    [TestCase("-5")]
    [TestCase("fast")]
    [TestCase("")]
    [TestCase("Infinity")]
    public void A_rate_that_is_not_positive_or_max_is_refused(string text) =>
        Assert.That(BenchSettings.TryParseRate(text, out _), Is.False);

    [TestCase("append", "Append")]
    [TestCase("Grant", "Grant")]
    [TestCase("mixed", "Mixed")]
    public void Every_mix_is_recognised_by_name(string text, string expected)
    {
        Assert.That(BenchSettings.TryParseMix(text, out var mix), Is.True);
        Assert.That(mix.ToString(), Is.EqualTo(expected));
    }

    [TestCase("1")]
    [TestCase("transfer")]
    public void An_unknown_mix_or_a_bare_number_is_refused(string text) =>
        Assert.That(BenchSettings.TryParseMix(text, out _), Is.False);

    [TestCase("stream", "Stream")]
    [TestCase("Unary", "Unary")]
    public void Both_ways_of_submitting_are_recognised_by_name(string text, string expected)
    {
        Assert.That(BenchSettings.TryParseSubmit(text, out var submit), Is.True);
        Assert.That(submit.ToString(), Is.EqualTo(expected));
    }

    [TestCase("0")]
    [TestCase("batch")]
    public void An_unknown_way_of_submitting_or_a_bare_number_is_refused(string text) =>
        Assert.That(BenchSettings.TryParseSubmit(text, out _), Is.False);

    [Test]
    public void A_node_list_is_split_on_commas_and_trimmed()
    {
        Assert.That(BenchSettings.TryParseNodes("127.0.0.1:7000, 127.0.0.1:7001,,", out var nodes, out var problem), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nodes, Is.EqualTo(new[] { "127.0.0.1:7000", "127.0.0.1:7001" }));
            Assert.That(problem, Is.Null);
        }
    }

    [TestCase("127.0.0.1")]
    [TestCase("127.0.0.1:port")]
    [TestCase("127.0.0.1:70000")]
    [TestCase(" , ")]
    public void A_node_that_is_not_host_and_port_is_refused_with_a_reason(string text)
    {
        Assert.That(BenchSettings.TryParseNodes(text, out _, out var problem), Is.False);
        Assert.That(problem, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public void Sensible_local_settings_have_no_problems() =>
        Assert.That(Local().Validate(), Is.Empty);

    [Test]
    public void Local_and_nodes_together_are_refused() =>
        Assert.That((Local() with { Nodes = ["127.0.0.1:7000"] }).Validate(), Has.Some.Contains("not both"));

    [Test]
    public void A_local_cluster_must_have_3f_plus_1_nodes() =>
        Assert.That((Local() with { LocalNodes = 5 }).Validate(), Has.Some.Contains("3f + 1"));

    [Test]
    public void Remote_nodes_need_the_admin_key_to_enrol_participants() =>
        Assert.That((Local() with { LocalNodes = 0, Nodes = ["127.0.0.1:7000"] }).Validate(), Has.Some.Contains("--admin-key"));

    [Test]
    public void Remote_nodes_need_a_reader_key_to_follow_commits()
    {
        var remote = Local() with { LocalNodes = 0, Nodes = ["127.0.0.1:7000"], AdminKey = "admin.key.json" };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(remote.Validate(), Has.Some.Contains("--reader-key"));
            Assert.That((remote with { ReaderKey = "node-0.key.json" }).Validate(), Is.Empty);
        }
    }

    [Test]
    public void A_payload_the_contract_would_refuse_is_caught_before_the_run()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Local(payload: 0).Validate(), Has.Some.Contains("--payload"));
            Assert.That(Local(payload: BenchSettings.MaxPayload + 1).Validate(), Has.Some.Contains("--payload"));
            Assert.That(Local(payload: BenchSettings.MaxPayload).Validate(), Is.Empty);
        }
    }

    [Test]
    public void Zero_clients_or_duration_are_refused() =>
        Assert.That((Local() with { Clients = 0, Duration = TimeSpan.Zero }).Validate(), Has.Count.EqualTo(2));
}
