using EhrChain.Core.Crypto;

namespace EhrChain.Storage;

/// <summary>
/// The state writes of one block, kept in key order with the last write to a key winning. Its
/// digest depends only on the final writes, never on the order they were made in.
/// </summary>
public sealed class StateWriteSet
{
    private static readonly byte[] DigestPrefix = "ehrchain/v1/state-writes\0"u8.ToArray();

    // null value = delete
    private readonly SortedDictionary<byte[], byte[]?> _writes = new(ByteArrayComparer.Instance);

    public int Count => _writes.Count;

    public IEnumerable<KeyValuePair<byte[], byte[]?>> Writes => _writes;

    public void Put(byte[] key, byte[] value)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        _writes[key] = value;
    }

    public void Delete(byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        _writes[key] = null;
    }

    /// <summary>True when this set writes <paramref name="key"/>; <paramref name="value"/> is null for a delete.</summary>
    public bool TryGet(byte[] key, out byte[]? value) => _writes.TryGetValue(key, out value);

    /// <summary>Adds every write of <paramref name="other"/> on top of this set's.</summary>
    public void MergeFrom(StateWriteSet other)
    {
        ArgumentNullException.ThrowIfNull(other);
        foreach (var (key, value) in other._writes)
        {
            _writes[key] = value;
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
        foreach (var (key, value) in _writes)
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
