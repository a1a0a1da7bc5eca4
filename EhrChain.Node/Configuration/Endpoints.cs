using System.Net;

namespace EhrChain.Node.Configuration;

/// <summary>Parses listen addresses of the form host:port, naming the setting when one is wrong.</summary>
public static class Endpoints
{
    public static IPEndPoint Parse(string value, string setting)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
        {
            throw new NodeConfigurationException($"{setting}: '{value}' is not host:port.");
        }
        var host = value[..colon].Trim('[', ']');
        if (host is "localhost")
        {
            return new IPEndPoint(IPAddress.Loopback, port);
        }
        if (host is "*" or "0.0.0.0")
        {
            return new IPEndPoint(IPAddress.Any, port);
        }
        return IPAddress.TryParse(host, out var address)
            ? new IPEndPoint(address, port)
            : throw new NodeConfigurationException($"{setting}: '{host}' is not an IP address to listen on (use 127.0.0.1, 0.0.0.0 or an interface's address).");
    }
}
