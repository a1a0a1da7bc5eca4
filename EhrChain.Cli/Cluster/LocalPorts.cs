using System.Net;
using System.Net.Sockets;

namespace EhrChain.Cli.Cluster;

/// <summary>Free loopback ports for throwaway clusters, so they run beside a `cluster up` on the default ports.</summary>
internal static class LocalPorts
{
    /// <summary>
    /// Two runs of <paramref name="count"/> consecutive free ports (client, then peer). Another
    /// process may take one before the cluster binds it; callers start within milliseconds.
    /// </summary>
    public static (int Client, int Peer) FindRuns(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            // Start from a port the OS considers free, away from well-known ones.
            using var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var start = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            if (start + 2 * count < 65000 && Enumerable.Range(start, 2 * count).All(IsFree))
            {
                return (start, start + count);
            }
        }
        throw new InvalidOperationException("No run of free loopback ports.");
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
