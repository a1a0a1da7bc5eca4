using EhrChain.Core.Chain;
using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

// Catch-up: a replica that restarts, or learns that others executed beyond it (status
// heartbeats, a stable checkpoint, a NEW-VIEW, commits past its window), fetches committed
// batches with their certificates from a peer, checks every certificate, and executes them.
public sealed partial class Replica
{
    private ulong _catchUpTarget;
    private ulong _peerAhead;
    private readonly Dictionary<int, ulong> _peerExecuted = [];
    private (int Peer, ulong From, long SentAt)? _fetching;
    private int _nextFetchPeer;

    private void NoteAhead(int peer, ulong executed)
    {
        if (peer >= 0)
        {
            _peerExecuted[peer] = Math.Max(_peerExecuted.GetValueOrDefault(peer), executed);
            _peerAhead = Math.Max(_peerAhead, executed);
        }
        _catchUpTarget = Math.Max(_catchUpTarget, executed);
        MaybeFetch();
    }

    private void MaybeFetch()
    {
        var from = LastExecuted + 1;
        if (_catchUpTarget < from || _fetching is not null || StateSyncBusy)
        {
            return;
        }
        // Prefer peers that said they are ahead; otherwise go round all of them.
        var candidates = _peerExecuted.Where(p => p.Value >= from).Select(p => p.Key).Order().ToList();
        if (candidates.Count == 0)
        {
            candidates = _validators.Members.Where(i => i != _self).ToList();
        }
        var peer = candidates[_nextFetchPeer++ % candidates.Count];
        _fetching = (peer, from, _time.GetTimestamp());
        _transport.Send(_validators.IdOf(peer), Seal(new ConsensusMessage
        {
            FetchRequest = new FetchRequest { FromSequence = from, MaxCount = (uint)_options.FetchBatchCount },
        }));
    }

    private void OnFetchRequest(int sender, FetchRequest request)
    {
        if (request.FromSequence == 0 || request.FromSequence > LastExecuted)
        {
            _transport.Send(_validators.IdOf(sender), Seal(new ConsensusMessage { FetchResponse = new FetchResponse() }));
            return;
        }
        var count = (int)Math.Min(request.MaxCount, (uint)_options.FetchBatchCount);
        var response = new FetchResponse();
        foreach (var batch in _application.ReadCommitted(request.FromSequence, count))
        {
            response.Batches.Add(new CommittedBatchRecord
            {
                Sequence = batch.Sequence,
                Batch = new Batch { TimeUnixMs = batch.TimeUnixMs, Requests = { batch.Requests } },
                Certificate = batch.Certificate,
            });
        }
        _transport.Send(_validators.IdOf(sender), Seal(new ConsensusMessage { FetchResponse = response }));
    }

    private void OnFetchResponse(int sender, FetchResponse response)
    {
        if (_fetching is not { } fetching || fetching.Peer != sender)
        {
            Drops.Increment(DropReason.InvalidCatchUp);
            return;
        }
        _fetching = null;
        var accepted = 0;
        foreach (var record in response.Batches)
        {
            if (record.Sequence <= LastExecuted)
            {
                continue;
            }
            // Past the epoch's end the next set certifies: fetched again once this replica is in it.
            if (record.Sequence > _epochEnd)
            {
                break;
            }
            if (record.Batch is null
                || !CommitCertificates.Verify(record.Certificate, _validators, record.Sequence, record.Batch.TimeUnixMs, record.Batch.Requests, out _))
            {
                Drops.Increment(DropReason.InvalidCatchUp);
                break;
            }
            _ready[record.Sequence] = new CommittedBatch(record.Sequence, record.Certificate.View,
                _validators.PrimaryId(record.Certificate.View), record.Batch.TimeUnixMs, [.. record.Batch.Requests], record.Certificate);
            accepted++;
        }
        ExecuteReady();
        if (accepted == 0)
        {
            // Nothing new from this peer: its claim (if any) is spent; ask another next time.
            _peerExecuted.Remove(sender);
            if (_peerAhead > LastExecuted && _peerExecuted.Count == 0)
            {
                _peerAhead = LastExecuted;
            }
            return;
        }
        MaybeFetch();
    }

    private void BroadcastStatus() =>
        Broadcast(new ConsensusMessage { Status = new Status { View = _view, ViewActive = _viewActive, LastExecuted = LastExecuted } });

    private void OnStatus(int sender, Status status)
    {
        if (status.LastExecuted > LastExecuted)
        {
            NoteAhead(sender, status.LastExecuted);
        }
        // The sender missed the NEW-VIEW of the view this replica is in: hand it over.
        if (_viewActive && _lastNewView is not null
            && (status.View < _view || (status.View == _view && !status.ViewActive)))
        {
            _transport.Send(_validators.IdOf(sender), _lastNewView);
        }
        // The sender waits for VIEW-CHANGEs of a view this replica has left: one may have been
        // lost, and without it that view can neither start nor time out.
        if (!status.ViewActive && status.View < _view && _ownViewChanges.TryGetValue(status.View, out var viewChange))
        {
            _transport.Send(_validators.IdOf(sender), viewChange);
        }
    }

    private void OnStatusTick()
    {
        _timers.Arm(ReplicaTimer.Status, _options.StatusInterval);
        if (_fetching is { } fetching && _time.GetElapsedTime(fetching.SentAt) > 2 * _options.StatusInterval)
        {
            _peerExecuted.Remove(fetching.Peer);
            _fetching = null;
        }
        BroadcastStatus();
        ResendUnstableCheckpoints();
        if (!_viewActive && _ownViewChange is not null)
        {
            _transport.Broadcast(_ownViewChange);
            // A replica alone in a view change may hold requests no other replica has: without
            // them the others never time out, never follow, and the requests are never ordered.
            // Handing them over lets the view the others are in order them; this replica then
            // catches up on the committed blocks like any replica that fell behind.
            var oldest = _pool.Oldest(_options.BatchMaxCount);
            if (oldest.Count > 0)
            {
                Broadcast(new ConsensusMessage { Forward = new ForwardRequests { Requests = { oldest } } });
            }
        }
        MaybeFetch();
    }
}
