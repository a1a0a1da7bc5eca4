namespace EhrChain.Core.Crypto;

/// <summary>
/// Binary Merkle tree over SHA-256 with RFC 6962 domain separation: leaves are hashed as
/// H(0x00 || leaf) and inner nodes as H(0x01 || left || right), so a leaf can never pass for an
/// inner node. An odd node is promoted to the next level unchanged rather than paired with a copy
/// of itself (the duplication Bitcoin uses lets two different lists share a root, CVE-2012-2459).
/// </summary>
public static class MerkleTree
{
    private const byte LeafPrefix = 0x00;
    private const byte NodePrefix = 0x01;

    /// <summary>The root of an empty list is the zero hash.</summary>
    public static Hash ComputeRoot(IReadOnlyList<Hash> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        if (leaves.Count == 0)
        {
            return Hash.Zero;
        }

        var level = new Hash[leaves.Count];
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash.Size];
        for (var i = 0; i < leaves.Count; i++)
        {
            buffer[0] = LeafPrefix;
            leaves[i].WriteTo(buffer[1..]);
            level[i] = Hash.Compute(buffer[..(1 + Hash.Size)]);
        }

        var count = level.Length;
        while (count > 1)
        {
            var next = 0;
            for (var i = 0; i < count; i += 2)
            {
                if (i + 1 == count)
                {
                    level[next++] = level[i];
                    continue;
                }
                buffer[0] = NodePrefix;
                level[i].WriteTo(buffer[1..]);
                level[i + 1].WriteTo(buffer[(1 + Hash.Size)..]);
                level[next++] = Hash.Compute(buffer);
            }
            count = next;
        }
        return level[0];
    }
}
