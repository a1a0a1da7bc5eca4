namespace EhrChain.Storage;

/// <summary>
/// Remembers each point read of a state that does not change while it is read (a snapshot view):
/// executing a block reads the same signer, record and grant keys several times per transaction
/// (up front for the signature checks, then again for authorisation), and each read of the store
/// is a native call that searches memtables and files. Scans go straight to the state.
/// </summary>
public sealed class RememberingStateReader(IStateReader unchanging) : IStateReader
{
    private readonly Dictionary<byte[], byte[]?> _read = new(ByteArrayComparer.Instance);

    public byte[]? GetValue(ReadOnlySpan<byte> key)
    {
        var array = key.ToArray();
        if (!_read.TryGetValue(array, out var value))
        {
            value = unchanging.GetValue(array);
            _read[array] = value;
        }
        return value;
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) => unchanging.ScanPrefix(prefix);
}
