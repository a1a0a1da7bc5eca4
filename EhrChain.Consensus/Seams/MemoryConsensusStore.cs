namespace EhrChain.Consensus;

/// <summary>An in-memory <see cref="IConsensusStore"/>: for tests and for a node run without a data directory.</summary>
public sealed class MemoryConsensusStore : IConsensusStore
{
    private readonly SortedDictionary<string, byte[]> _records = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public byte[]? Read(string key)
    {
        lock (_lock)
        {
            return _records.TryGetValue(key, out var value) ? value : null;
        }
    }

    public void Write(string key, byte[] value)
    {
        lock (_lock)
        {
            _records[key] = value;
        }
    }

    public void Delete(string key)
    {
        lock (_lock)
        {
            _records.Remove(key);
        }
    }

    public IReadOnlyList<KeyValuePair<string, byte[]>> ReadPrefix(string prefix)
    {
        lock (_lock)
        {
            return _records.Where(r => r.Key.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        }
    }
}
