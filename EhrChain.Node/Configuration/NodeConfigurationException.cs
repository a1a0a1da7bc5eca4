namespace EhrChain.Node.Configuration;

/// <summary>A setting that stops the node from starting; the message names the setting and what is wrong, in one line.</summary>
public sealed class NodeConfigurationException : Exception
{
    public NodeConfigurationException() { }
    public NodeConfigurationException(string message) : base(message) { }
    public NodeConfigurationException(string message, Exception inner) : base(message, inner) { }
}
