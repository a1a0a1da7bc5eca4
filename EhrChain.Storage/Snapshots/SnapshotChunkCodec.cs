using System.Buffers.Binary;

namespace EhrChain.Storage.Snapshots;

/// <summary>
/// The bytes of a chunk: records one after another, each <c>family u8 || key length u32 || key ||
/// value length u32 || value</c>, big-endian. Plain and canonical, so the chunk hash is a hash of content.
/// </summary>
public static class SnapshotChunkCodec
{
    private const int RecordOverhead = 1 + 4 + 4;

    public static int EncodedSize(SnapshotRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return RecordOverhead + record.Key.Length + record.Value.Length;
    }

    public static void Append(MemoryStream chunk, SnapshotRecord record)
    {
        ArgumentNullException.ThrowIfNull(chunk);
        ArgumentNullException.ThrowIfNull(record);
        Span<byte> length = stackalloc byte[4];
        chunk.WriteByte((byte)record.Family);
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)record.Key.Length);
        chunk.Write(length);
        chunk.Write(record.Key);
        BinaryPrimitives.WriteUInt32BigEndian(length, (uint)record.Value.Length);
        chunk.Write(length);
        chunk.Write(record.Value);
    }

    /// <summary>The records of a chunk; throws <see cref="SnapshotRejectedException"/> when the bytes are not a list of whole records.</summary>
    public static List<SnapshotRecord> Decode(ReadOnlySpan<byte> chunk)
    {
        var records = new List<SnapshotRecord>();
        while (!chunk.IsEmpty)
        {
            if (chunk.Length < RecordOverhead)
            {
                throw new SnapshotRejectedException("a chunk ends inside a record");
            }
            var family = (SnapshotFamily)chunk[0];
            if (!Enum.IsDefined(family))
            {
                throw new SnapshotRejectedException($"a chunk names an unknown family {chunk[0]}");
            }
            var key = ReadField(ref chunk, 1);
            var value = ReadField(ref chunk, 0);
            records.Add(new SnapshotRecord(family, key, value));
        }
        return records;
    }

    private static byte[] ReadField(ref ReadOnlySpan<byte> chunk, int skip)
    {
        chunk = chunk[skip..];
        if (chunk.Length < 4)
        {
            throw new SnapshotRejectedException("a chunk ends inside a record");
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(chunk);
        chunk = chunk[4..];
        if (length > (uint)chunk.Length)
        {
            throw new SnapshotRejectedException("a record in a chunk is longer than the chunk");
        }
        var field = chunk[..(int)length].ToArray();
        chunk = chunk[(int)length..];
        return field;
    }
}
