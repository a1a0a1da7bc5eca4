using System.Net.Sockets;

namespace EhrChain.Tests.Support;

/// <summary>Tells a test cluster's lost port apart from a real start-up failure, so only the first is retried.</summary>
public static class BindFailures
{
    /// <summary>Whether <paramref name="error"/> (Kestrel's bind failure wraps the socket's) is a listener losing its port to another process.</summary>
    public static bool IsAddressInUse(Exception error)
    {
        for (var inner = error; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
            {
                return true;
            }
        }
        return false;
    }
}
