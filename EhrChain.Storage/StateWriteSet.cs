using EhrChain.Core.Crypto;

namespace EhrChain.Storage;

/// <summary>
/// The state writes of one block, kept in key order with the last write to a key winning. Its
/// digest depends only on the final writes, never on the order they were made in.
/// </summary>
public sealed class StateWriteSet
{
    private static readonly byte[] DigestPrefix = "ehrchain/v1/state-writes\0"u8.ToArray();

    // null value = delete. The dictionary answers point reads in O(1); the sorted keys give the
    // key order the digest and the store need, and the range of one prefix without a full pass.
    private readonly Dictionary<byte[], byte[]?> _values = new(ByteArrayComparer.Instance);
    private readonly SortedSet<byte[]> _keys = new(ByteArrayComparer.Instance);

    public int Count => _values.Count;

    /// <summary>Every write in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]?>> Writes => InOrder(_keys);

    /// <summary>The writes whose key starts with <paramref name="prefix"/>, in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]?>> WithPrefix(byte[] prefix)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (_keys.Count == 0)
        {
            return [];
        }
        var last = _keys.Max!;
        if (ByteArrayComparer.Instance.Compare(prefix, last) > 0)
        {
            return [];
        }
        // The keys from the prefix up to the last key; the scan stops at the first that leaves it.
        return InOrder(_keys.GetViewBetween(prefix, last)).TakeWhile(w => w.Key.AsSpan().StartsWith(prefix));
    }

    public void Put(byte[] key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        Set(key, value);
    }

    public void Delete(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        Set(key, null);
    }

    /// <summary>True when this set writes <paramref name="key"/>; <paramref name="value"/> is null for a delete.</summary>
    public bool TryGet(byte[] key, out byte[]? value) => _values.TryGetValue(key, out value);

    /// <summary>Adds every write of <paramref name="other"/> on top of this set's.</summary>
    public void MergeFrom(StateWriteSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (key, value) in other._values)
        {
            Set(key, value);
        }
    }

    private void Set(byte[] key, byte[]? value)
    {
        if (_values.TryAdd(key, value))
        {
            _keys.Add(key);
        }
        else
        {
            _values[key] = value;
        }
    }

    private IEnumerable<KeyValuePair<byte[], byte[]?>> InOrder(IEnumerable<byte[]> keys)
    {
        foreach (var key in keys)
        {
            yield return new KeyValuePair<byte[], byte[]?>(key, _values[key]);
        }
    }

    /// <summary>
    /// SHA-256 over the writes in key order: <c>prefix || (len key || key || 0/1 || len value || value)*</c>.
    /// The state root of a block chains this digest onto the previous block's state root.
    /// </summary>
    public Hash Digest()
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(DigestPrefix);
        Span<byte> length = stackalloc byte[4];
        foreach (var (key, value) in Writes)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, key.Length);
            sha.AppendData(length);
            sha.AppendData(key);
            if (value is null)
            {
                sha.AppendData([0]);
                continue;
            }
            sha.AppendData([1]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, value.Length);
            sha.AppendData(length);
            sha.AppendData(value);
        }
        return new Hash(sha.GetHashAndReset());
    }

    /// <summary>The next state root: <c>H(previous root || digest of these writes)</c>.</summary>
    public Hash NextStateRoot(Hash previousRoot)
    {
        Span<byte> both = stackalloc byte[2 * Hash.Size];
        previousRoot.WriteTo(both);
        Digest().WriteTo(both[Hash.Size..]);
        return Hash.Compute(both);
    }
}
