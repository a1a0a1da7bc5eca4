using System.Net;
using System.Net.Sockets;

namespace EhrChain.Node.Network;

/// <summary>Free loopback ports for throwaway clusters, so they run beside a `cluster up` on the default ports.</summary>
public static class LocalPorts
{
    // Below the kernel's ephemeral range no outbound connection takes a port as its local end, so
    // a port found free here stays free until the cluster binds it, unless another listener takes it.
    // (Ports the OS hands out for port 0 are in the ephemeral range: every gRPC client connection
    // of a busy test run competes for them, which is how a probed port was lost in CI.)
    private const int LowestPort = 10000;
    private const int FallbackEphemeralStart = 32768;

    /// <summary>
    /// Two runs of <paramref name="count"/> consecutive free ports (client, then peer), at a random
    /// place below the ephemeral range so parallel test processes rarely probe the same run.
    /// </summary>
    public static (int Client, int Peer) FindRuns(int count)
    {
        var ceiling = EphemeralStart() - 2 * count;
        for (var attempt = 0; attempt < 200 && ceiling > LowestPort; attempt++)
        {
            var start = Random.Shared.Next(LowestPort, ceiling);
            if (Enumerable.Range(start, 2 * count).All(IsFree))
            {
                return (start, start + count);
            }
        }
        throw new InvalidOperationException("No run of free loopback ports below the ephemeral range.");
    }

    private static int EphemeralStart()
    {
        // Linux publishes its range; elsewhere assume the IANA dynamic range's neighbourhood.
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        if (File.Exists(range)
            && File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries) is [var low, ..]
            && int.TryParse(low, out var start) && start > LowestPort + 100)
        {
            return start;
        }
        return FallbackEphemeralStart;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
