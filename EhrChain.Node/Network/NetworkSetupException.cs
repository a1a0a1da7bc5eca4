namespace EhrChain.Node.Network;

/// <summary>
/// A network directory cannot be laid out, read or started, for a reason the person who asked
/// can act on (a bad argument, a missing file, a node that would not start). The message is one
/// line and names what to fix; the CLI prints it as it is.
/// </summary>
public sealed class NetworkSetupException : Exception
{
    public NetworkSetupException() { }
    public NetworkSetupException(string message) : base(message) { }
    public NetworkSetupException(string message, Exception inner) : base(message, inner) { }

    /// <summary>A node was started but never answered: the network, not the request, is at fault.</summary>
    public bool NodeUnavailable { get; init; }
}
