namespace EhrChain.Storage;

/// <summary>Reads of the key-value state. Keys and values are opaque bytes; scans run in bytewise key order.</summary>
public interface IStateReader
{
    byte[]? GetValue(ReadOnlySpan<byte> key);

    /// <summary>Every live key that starts with <paramref name="prefix"/>, in ascending bytewise key order.</summary>
    IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix);
}

/// <summary>A consistent read of the state as of one block: later blocks do not show through it.</summary>
public interface IStateView : IStateReader, IDisposable
{
    /// <summary>The block this view reads at; null before block 0.</summary>
    ChainHead? Head { get; }
}
