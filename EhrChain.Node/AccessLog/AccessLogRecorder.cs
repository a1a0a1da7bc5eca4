using EhrChain.Client;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Node.AccessLog;

/// <summary>
/// Keeps this node's promise that every read of content it answers reaches the chain: an entry is
/// written durably (<see cref="PendingAccessLog"/>) before the answer is sent, and a read whose
/// entry cannot be written is refused (fail closed). Entries are cut into node-signed
/// transactions of at most <see cref="AccessLogOptions.BatchMaxEntries"/>, kept until their block
/// is stored, and submitted again, byte for byte, until then (also after a restart): a transaction
/// id can be executed once, so a resubmission never logs a read twice.
/// </summary>
public sealed class AccessLogRecorder
{
    /// <summary>Under consensus' and admission's smallest request limits, with room for the payload around the entries.</summary>
    private const int MaxBatchBytes = 192 * 1024;

    private readonly PendingAccessLog _pending;
    private readonly AccessLogOptions _options;
    private readonly EhrClient _signer;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<(ulong Sequence, AccessLogEntry Entry)> _queued = [];
    private readonly List<InFlight> _inFlight = [];
    private ulong _nextSequence;

    public AccessLogRecorder(PendingAccessLog pending, AccessLogOptions options, NodeIdentity identity, string chainId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(identity);
        _pending = pending ?? throw new ArgumentNullException(nameof(pending));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _signer = new EhrClient(identity.Keys, chainId, time);
        NodeId = identity.Id;
        var (batches, entries) = _pending.Load();
        // Restored batches count as never submitted, so the first settle submits them again.
        _inFlight.AddRange(batches.Select(b => new InFlight(b, TransactionIds.OfSignedTransaction(b.Transaction.Span), DateTimeOffset.MinValue)));
        _queued.AddRange(entries);
        _nextSequence = batches.SelectMany(b => b.EntrySequences).Concat(entries.Select(e => e.Sequence)).DefaultIfEmpty(0UL).Max() + 1;
        if (batches.Count > 0 || entries.Count > 0)
        {
            // They have waited through the restart already: the first round submits them at once.
            BatchFull.Release();
        }
    }

    public string NodeId { get; }

    /// <summary>Released when a full batch waits, so it need not wait for the flush interval.</summary>
    public SemaphoreSlim BatchFull { get; } = new(0);

    /// <summary>Entries not yet on the chain: queued or in a submitted transaction.</summary>
    public int PendingCount
    {
        get
        {
            lock (_lock)
            {
                return _queued.Count + _inFlight.Sum(b => b.Batch.EntrySequences.Count);
            }
        }
    }

    /// <summary>Writes the entries durably; returns only once they would survive a crash.</summary>
    /// <exception cref="AccessLogUnavailableException">The entries could not be kept: the read must not be answered.</exception>
    public void Record(IReadOnlyList<AccessLogEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        if (entries.Count == 0)
        {
            return;
        }
        ulong first;
        lock (_lock)
        {
            if (_queued.Count + _inFlight.Sum(b => b.Batch.EntrySequences.Count) + entries.Count > _options.MaxPendingEntries)
            {
                throw new AccessLogUnavailableException($"{_options.MaxPendingEntries} reads answered by this node are not on the chain yet");
            }
            first = _nextSequence;
            _nextSequence += (ulong)entries.Count;
        }
        try
        {
            for (var i = 0; i < entries.Count; i++)
            {
                _pending.PutEntry(first + (ulong)i, entries[i]);
            }
        }
        catch (Exception e) when (e is not AccessLogUnavailableException)
        {
            throw new AccessLogUnavailableException("the node could not write the entry to its store", e);
        }
        lock (_lock)
        {
            for (var i = 0; i < entries.Count; i++)
            {
                _queued.Add((first + (ulong)i, entries[i]));
            }
            if (_queued.Count >= _options.BatchMaxEntries)
            {
                BatchFull.Release();
            }
        }
    }

    /// <summary>Cuts every queued entry into signed transactions, keeps each durably, and returns their bytes to submit.</summary>
    public IReadOnlyList<ByteString> CutBatches()
    {
        List<(ulong Sequence, AccessLogEntry Entry)> queued;
        lock (_lock)
        {
            queued = [.. _queued.OrderBy(e => e.Sequence)];
        }
        var cut = new List<ByteString>();
        var taken = 0;
        while (taken < queued.Count)
        {
            var action = new RecordAccessLog();
            var batch = new PendingAccessLogBatch();
            var bytes = 0;
            while (taken < queued.Count && action.Entries.Count < _options.BatchMaxEntries
                && (action.Entries.Count == 0 || bytes + queued[taken].Entry.CalculateSize() <= MaxBatchBytes))
            {
                bytes += queued[taken].Entry.CalculateSize();
                action.Entries.Add(queued[taken].Entry);
                batch.EntrySequences.Add(queued[taken].Sequence);
                taken++;
            }
            batch.Transaction = _signer.Sign(p => p.RecordAccessLog = action).ToByteString();
            _pending.PutBatch(batch);
            var sequences = batch.EntrySequences.ToHashSet();
            lock (_lock)
            {
                _queued.RemoveAll(e => sequences.Contains(e.Sequence));
                _inFlight.Add(new InFlight(batch, TransactionIds.OfSignedTransaction(batch.Transaction.Span), _time.GetUtcNow()));
            }
            cut.Add(batch.Transaction);
        }
        return cut;
    }

    /// <summary>
    /// Forgets the transactions now in a block, and returns those to submit again: not in a
    /// block after <see cref="AccessLogOptions.ResubmitAfter"/>, or restored after a restart.
    /// </summary>
    public (IReadOnlyList<ByteString> Resubmit, IReadOnlyList<TxLocation> Settled) Settle(Func<Hash, TxLocation?> findTransaction)
    {
        ArgumentNullException.ThrowIfNull(findTransaction);
        var now = _time.GetUtcNow();
        List<InFlight> inFlight;
        lock (_lock)
        {
            inFlight = [.. _inFlight];
        }
        var resubmit = new List<ByteString>();
        var settled = new List<TxLocation>();
        foreach (var flight in inFlight)
        {
            if (findTransaction(flight.TxId) is { } location)
            {
                _pending.DeleteBatch(flight.Batch);
                settled.Add(location);
                lock (_lock)
                {
                    _inFlight.Remove(flight);
                }
            }
            else if (now - flight.SubmittedAt >= _options.ResubmitAfter)
            {
                resubmit.Add(flight.Batch.Transaction);
                lock (_lock)
                {
                    _inFlight[_inFlight.IndexOf(flight)] = flight with { SubmittedAt = now };
                }
            }
        }
        return (resubmit, settled);
    }

    private sealed record InFlight(PendingAccessLogBatch Batch, Hash TxId, DateTimeOffset SubmittedAt);
}

/// <summary>The node could not keep an access-log entry, so it must not answer the read.</summary>
public sealed class AccessLogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
