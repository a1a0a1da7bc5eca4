using EhrChain.Cli.Demo;
using EhrChain.Core.Keys;
using EhrChain.Node.Hosting;
using EhrChain.Node.Network;
using EhrChain.Tests.Support;
using Microsoft.Extensions.Configuration;

namespace EhrChain.Tests.Web;

/// <summary>`ehrchain demo --web`: node-0's config gains a loopback web listener its settings accept, and the participants to sign in as are listed.</summary>
public sealed class DemoWebTests
{
    [Test]
    public void Node_0_of_the_demo_network_serves_the_page_on_loopback_and_the_others_do_not()
    {
        using var directory = new TempDirectory();
        new NetworkLayout(directory.Path, 4, "ehrchain-demo", "admin", 17000, 17100, [], "127.0.0.1", samePorts: false).Write();

        var page = DemoWeb.Enable(directory.Path, 17000, 17100, 4);

        var node0 = Settings(directory.Path, "node-0.json");
        var node1 = Settings(directory.Path, "node-1.json");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(page.Scheme, Is.EqualTo("http"));
            Assert.That(page.Host, Is.EqualTo("127.0.0.1"));
            Assert.That(node0.Web?.Endpoint.ToString(), Is.EqualTo($"127.0.0.1:{page.Port}"));
            Assert.That(node0.Web?.Certificate, Is.Null);
            Assert.That(node1.Web, Is.Null);
            Assert.That(page.Port, Is.Not.InRange(17000, 17103));
        }
    }

    [Test]
    public void The_participants_to_sign_in_as_are_the_key_files_of_people_not_of_nodes()
    {
        using var directory = new TempDirectory();
        new NetworkLayout(directory.Path, 4, "ehrchain-demo", "admin", 17000, 17100, [], "127.0.0.1", samePorts: false).Write();
        var patient = KeyFile.Generate("p-00000000000000000001", KeyRole.Patient);
        patient.Save(Path.Combine(directory.Path, "keys", "pat-ada.key.json"));

        var participants = DemoWeb.Participants(directory.Path);

        Assert.That(participants.Select(p => (p.Alias, p.Id, p.Role)), Is.EqualTo(new[] { ("admin", "admin", "admin"), ("pat-ada", patient.Id, "patient") }));
    }

    private static NodeSettings Settings(string directory, string config) => NodeSettings.Load(new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(directory, config))
        .AddInMemoryCollection([new("Node:BaseDirectory", directory)])
        .Build());
}
