using System.Net;
using System.Net.Sockets;
using EhrChain.Node.Network;
using EhrChain.Tests.Support;
using Microsoft.AspNetCore.Connections;

namespace EhrChain.Tests.Node;

public sealed class LocalPortsTests
{
    [Test]
    public void Runs_are_free_consecutive_and_below_the_ephemeral_range()
    {
        var ephemeralStart = int.Parse(File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split('\t', ' ')[0]);
        for (var i = 0; i < 20; i++)
        {
            var (client, peer) = LocalPorts.FindRuns(5);
            Assert.That(peer, Is.EqualTo(client + 5));
            Assert.That(client, Is.GreaterThanOrEqualTo(10000));
            Assert.That(peer + 5, Is.LessThanOrEqualTo(ephemeralStart), "an outbound connection could take a port in the ephemeral range");
            foreach (var port in Enumerable.Range(client, 10))
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                Assert.DoesNotThrow(listener.Start);
            }
        }
    }

    [Test]
    public void A_bind_lost_to_another_listener_is_told_apart_from_other_failures()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var lost = Assert.Throws<SocketException>(() => new TcpListener(IPAddress.Loopback, port).Start())!;

        Assert.That(BindFailures.IsAddressInUse(new IOException("Failed to bind", new AddressInUseException("in use", lost))), Is.True);
        Assert.That(BindFailures.IsAddressInUse(new IOException("disk full")), Is.False);
        Assert.That(BindFailures.IsAddressInUse(new SocketException((int)SocketError.ConnectionRefused)), Is.False);
    }
}
