namespace EhrChain.Storage;

/// <summary>
/// Reads through pending writes to a base state: what a block's later transactions see of its
/// earlier ones before the block is stored.
/// </summary>
public sealed class StateOverlay(IStateReader baseState, StateWriteSet writes) : IStateReader
{
    public StateWriteSet Writes { get; } = writes;

    public byte[]? GetValue(ReadOnlySpan<byte> key)
    {
        var array = key.ToArray();
        return Writes.TryGet(array, out var value) ? value : baseState.GetValue(key);
    }

    public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix)
    {
        var comparer = ByteArrayComparer.Instance;
        using var below = baseState.ScanPrefix(prefix).GetEnumerator();
        using var above = Writes.WithPrefix(prefix).GetEnumerator();

        var hasBelow = below.MoveNext();
        var hasAbove = above.MoveNext();
        while (hasBelow || hasAbove)
        {
            var order = !hasBelow ? 1 : !hasAbove ? -1 : comparer.Compare(below.Current.Key, above.Current.Key);
            if (order < 0)
            {
                yield return below.Current;
                hasBelow = below.MoveNext();
                continue;
            }
            if (above.Current.Value is { } value)
            {
                yield return new KeyValuePair<byte[], byte[]>(above.Current.Key, value);
            }
            if (order == 0)
            {
                hasBelow = below.MoveNext();
            }
            hasAbove = above.MoveNext();
        }
    }
}
