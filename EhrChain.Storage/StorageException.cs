namespace EhrChain.Storage;

/// <summary>The store refused a write (a block that does not extend the head) or found itself damaged.</summary>
public sealed class StorageException : Exception
{
    public StorageException(string message) : base(message) { }
    public StorageException(string message, Exception inner) : base(message, inner) { }
    public StorageException() { }
}
