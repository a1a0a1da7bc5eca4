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
    public static Hash ComputeRoot(IReadOnlyList<Hash> leaves) => Compute(leaves, -1, null);

    /// <summary>
    /// The audit path of leaf <paramref name="index"/>: the sibling at each level, leaf level
    /// first, skipping the levels where the node is the odd one promoted without a sibling.
    /// </summary>
    public static IReadOnlyList<Hash> ComputeProof(IReadOnlyList<Hash> leaves, int index)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, leaves.Count);
        var path = new List<Hash>();
        Compute(leaves, index, path);
        return path;
    }

    /// <summary>Whether <paramref name="leaf"/> is at <paramref name="index"/> of a list of <paramref name="count"/> leaves with this root.</summary>
    public static bool VerifyProof(Hash leaf, int index, int count, IReadOnlyList<Hash> path, Hash root)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (index < 0 || index >= count)
        {
            return false;
        }
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash.Size];
        var node = LeafHash(leaf, buffer);
        var used = 0;
        while (count > 1)
        {
            var promoted = index % 2 == 0 && index + 1 == count;
            if (!promoted)
            {
                if (used == path.Count)
                {
                    return false;
                }
                node = index % 2 == 0 ? NodeHash(node, path[used], buffer) : NodeHash(path[used], node, buffer);
                used++;
            }
            index /= 2;
            count = (count + 1) / 2;
        }
        return used == path.Count && node == root;
    }

    private static Hash Compute(IReadOnlyList<Hash> leaves, int tracked, List<Hash>? path)
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
            level[i] = LeafHash(leaves[i], buffer);
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
                if (path is not null && (i == tracked || i + 1 == tracked))
                {
                    path.Add(i == tracked ? level[i + 1] : level[i]);
                }
                level[next++] = NodeHash(level[i], level[i + 1], buffer);
            }
            count = next;
            tracked /= 2;
        }
        return level[0];
    }

    private static Hash LeafHash(Hash leaf, Span<byte> buffer)
    {
        buffer[0] = LeafPrefix;
        leaf.WriteTo(buffer[1..]);
        return Hash.Compute(buffer[..(1 + Hash.Size)]);
    }

    private static Hash NodeHash(Hash left, Hash right, Span<byte> buffer)
    {
        buffer[0] = NodePrefix;
        left.WriteTo(buffer[1..]);
        right.WriteTo(buffer[(1 + Hash.Size)..]);
        return Hash.Compute(buffer);
    }
}
