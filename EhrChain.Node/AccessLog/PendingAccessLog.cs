using System.Globalization;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Node.AccessLog;

/// <summary>
/// The node's own durable record of reads it answered whose entries are not on the chain yet, in
/// the store's meta family (synced writes) under "access-log/": each entry under its sequence
/// number, and each signed batch with the sequences it carries. An entry is written before the
/// answer leaves the node, so a crash loses no logged read; a batch is written before its entries
/// are deleted, and on reload an entry a batch already carries is dropped, so no read is logged twice.
/// </summary>
public sealed class PendingAccessLog(IMetaStore meta)
{
    private const string EntryPrefix = "access-log/entry/";
    private const string BatchPrefix = "access-log/batch/";

    public void PutEntry(ulong sequence, AccessLogEntry entry) => meta.PutMeta(EntryKey(sequence), entry.ToByteArray());

    /// <summary>Writes the batch, then deletes the entries it carries.</summary>
    public void PutBatch(PendingAccessLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        meta.PutMeta(BatchKey(batch.EntrySequences[0]), batch.ToByteArray());
        foreach (var sequence in batch.EntrySequences)
        {
            meta.DeleteMeta(EntryKey(sequence));
        }
    }

    public void DeleteBatch(PendingAccessLogBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        meta.DeleteMeta(BatchKey(batch.EntrySequences[0]));
    }

    /// <summary>What survived a restart: the batches, and the entries no batch carries, in sequence order.</summary>
    public (IReadOnlyList<PendingAccessLogBatch> Batches, IReadOnlyList<(ulong Sequence, AccessLogEntry Entry)> Entries) Load()
    {
        var batches = meta.ScanMeta(BatchPrefix).Select(kv => PendingAccessLogBatch.Parser.ParseFrom(kv.Value)).ToList();
        var carried = batches.SelectMany(b => b.EntrySequences).ToHashSet();
        var entries = new List<(ulong, AccessLogEntry)>();
        foreach (var (key, value) in meta.ScanMeta(EntryPrefix))
        {
            var sequence = ulong.Parse(key.AsSpan(EntryPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture);
            if (carried.Contains(sequence))
            {
                meta.DeleteMeta(key);
            }
            else
            {
                entries.Add((sequence, AccessLogEntry.Parser.ParseFrom(value)));
            }
        }
        return (batches, entries);
    }

    private static string EntryKey(ulong sequence) => EntryPrefix + sequence.ToString("D20", CultureInfo.InvariantCulture);

    private static string BatchKey(ulong firstSequence) => BatchPrefix + firstSequence.ToString("D20", CultureInfo.InvariantCulture);
}
