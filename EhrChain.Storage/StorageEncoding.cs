using System.Buffers.Binary;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage;

/// <summary>Byte layouts of index keys and values, shared by every store so they agree exactly.</summary>
internal static class StorageEncoding
{
    public const string HeadMetaName = "chain/head";

    /// <summary>The height of the snapshot a store was installed from; absent for a chain kept from genesis.</summary>
    public const string BaseMetaName = "chain/base";

    /// <summary>Present while a snapshot import is under way; the write that completes it removes it.</summary>
    public const string ImportMetaName = "chain/snapshot-import";

    /// <summary>Big-endian, so byte order equals numeric order in a sorted store.</summary>
    public static byte[] Height(ulong height)
    {
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, height);
        return bytes;
    }

    public static ulong ReadHeight(ReadOnlySpan<byte> bytes) => BinaryPrimitives.ReadUInt64BigEndian(bytes);

    public static byte[] TxLocation(ulong height, int position, TxResultCode code)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, height);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), position);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), (int)code);
        return bytes;
    }

    public static TxLocation ReadTxLocation(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes),
            BinaryPrimitives.ReadInt32BigEndian(bytes[8..]),
            (TxResultCode)BinaryPrimitives.ReadInt32BigEndian(bytes[12..]));

    /// <summary>
    /// The first key after every key that starts with <paramref name="prefix"/>, or null when no
    /// such key exists (an empty prefix or one of only 0xFF bytes).
    /// </summary>
    public static byte[]? PrefixEnd(ReadOnlySpan<byte> prefix)
    {
        var end = prefix.ToArray();
        for (var i = end.Length - 1; i >= 0; i--)
        {
            if (end[i] != 0xFF)
            {
                end[i]++;
                return end[..(i + 1)];
            }
        }
        return null;
    }

    /// <summary>The prefix under which all changes to <paramref name="key"/> sort: <c>len u16 || key</c>.</summary>
    public static byte[] HistoryPrefix(byte[] key)
    {
        if (key.Length > ushort.MaxValue)
        {
            throw new ArgumentException("A history key is at most 65535 bytes.", nameof(key));
        }
        var bytes = new byte[2 + key.Length];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)key.Length);
        key.CopyTo(bytes, 2);
        return bytes;
    }

    /// <summary><c>len u16 || key || height u64 || position i32</c>: one key's changes sort by block, then position.</summary>
    public static byte[] HistoryKey(byte[] key, ulong height, int position)
    {
        var prefix = HistoryPrefix(key);
        var bytes = new byte[prefix.Length + 12];
        prefix.CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(prefix.Length), height);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(prefix.Length + 8), position);
        return bytes;
    }

    public static HistoryItem ReadHistoryItem(ReadOnlySpan<byte> storedKey, byte[] value)
    {
        var suffix = storedKey[^12..];
        return new HistoryItem(BinaryPrimitives.ReadUInt64BigEndian(suffix), BinaryPrimitives.ReadInt32BigEndian(suffix[8..]), value);
    }

    public static Block ParseBlock(byte[] bytes, ulong height)
    {
        try
        {
            return Block.Parser.ParseFrom(bytes);
        }
        catch (Google.Protobuf.InvalidProtocolBufferException e)
        {
            throw new StorageException($"The stored block at height {height} does not decode: {e.Message}", e);
        }
    }

    public static byte[] Head(ChainHead head)
    {
        var bytes = new byte[8 + Hash.Size];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, head.Height);
        head.Hash.WriteTo(bytes.AsSpan(8));
        return bytes;
    }

    public static ChainHead ReadHead(ReadOnlySpan<byte> bytes) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(bytes), new Hash(bytes.Slice(8, Hash.Size)));

    /// <summary>
    /// The tx index entries of a block. A transaction id already indexed, by an earlier block or
    /// earlier in this one, keeps its first entry: a replayed duplicate never hides the original.
    /// </summary>
    public static IEnumerable<(Hash TxId, byte[] Location)> TxIndexEntries(BlockCommit commit, Func<Hash, bool> alreadyIndexed)
    {
        var block = commit.Block;
        var ids = commit.TxIds;
        var seen = new HashSet<Hash>();
        for (var i = 0; i < ids.Count; i++)
        {
            if (!seen.Add(ids[i]) || alreadyIndexed(ids[i]))
            {
                continue;
            }
            var code = i < block.Results.Count ? block.Results[i].Code : TxResultCode.Unspecified;
            yield return (ids[i], TxLocation(block.Header.Height, i, code));
        }
    }
}
