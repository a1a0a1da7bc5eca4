namespace EhrChain.Core.Keys;

/// <summary>A key file that cannot be read, written or unlocked; the message says which and why in one line.</summary>
public sealed class KeyFileException : Exception
{
    public KeyFileException(string message) : base(message) { }
    public KeyFileException(string message, Exception inner) : base(message, inner) { }
    public KeyFileException() { }
}
