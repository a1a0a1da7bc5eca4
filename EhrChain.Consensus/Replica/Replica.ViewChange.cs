using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

// View change: a replica whose oldest pending request waited too long moves to view v + 1 and
// sends VIEW-CHANGE with its stable checkpoint and prepared certificates; the new primary's
// NEW-VIEW re-proposes what may have committed, and every replica checks it before entering.
public sealed partial class Replica
{
    private readonly Dictionary<ulong, Dictionary<int, (ConsensusEnvelope Envelope, ViewChange Message)>> _viewChanges = [];
    private TimeSpan _currentTimeout;
    private long _viewEnteredAt;
    private ConsensusEnvelope? _ownViewChange;
    private readonly SortedDictionary<ulong, ConsensusEnvelope> _ownViewChanges = [];
    private ConsensusEnvelope? _lastNewView;
    private ulong _newViewSentFor = ulong.MaxValue;
    private const string OwnViewChangePrefix = "own-view-change/";
    private const int KeptViewChanges = 8;

    private void StartViewChange(ulong newView)
    {
        if ((newView <= _view && !(newView == _view && _viewActive)) || !Participates || EpochOf(newView) != _validators.Epoch)
        {
            return;
        }
        _view = newView;
        _viewActive = false;
        PersistView();
        _timers.Cancel(ReplicaTimer.Linger);
        _timers.Cancel(ReplicaTimer.Request);
        _timers.Cancel(ReplicaTimer.ViewChange);
        foreach (var slot in _slots.Values)
        {
            slot.DropVotesBefore(newView);
            slot.Parked = null;
        }
        _ownViewChange = null;
        BroadcastViewChange();
        CheckViewChangeQuorum();
    }

    private void BroadcastViewChange()
    {
        if (_ownViewChange is null)
        {
            var viewChange = new ViewChange
            {
                NewView = _view,
                StableSequence = _stableSequence,
                StableStateRoot = _stableRoot,
                StableTimeUnixMs = _stableSequence == _epochBase.Sequence ? _epochBase.TimeUnixMs : _stableTime,
            };
            viewChange.CheckpointProof.AddRange(_stableSequence == _epochBase.Sequence ? [] : _stableProof);
            viewChange.Prepared.AddRange(_slots.Values
                .Where(s => s.Sequence > _stableSequence && s.Prepared is not null)
                .Select(s => s.Prepared!));
            _ownViewChange = Seal(new ConsensusMessage { ViewChange = viewChange });
            ViewChangesFor(_view)[_self] = (_ownViewChange, viewChange);
            // Kept, durably, so a peer still waiting in an earlier view can be given the vote it
            // lost, also after this replica restarted: without it that view may never gather
            // 2f + 1, and a replica waiting in it would wait for good.
            _ownViewChanges[_view] = _ownViewChange;
            _store.Write(OwnViewChangeKey(_view), _ownViewChange.ToByteArray());
            while (_ownViewChanges.Count > KeptViewChanges)
            {
                var oldest = _ownViewChanges.Keys.First();
                _ownViewChanges.Remove(oldest);
                _store.Delete(OwnViewChangeKey(oldest));
            }
        }
        _transport.Broadcast(_ownViewChange);
    }

    private static string OwnViewChangeKey(ulong view) =>
        OwnViewChangePrefix + view.ToString("D20", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>After a restart: the VIEW-CHANGEs this replica signed, and the one of its pending view, sent again unchanged.</summary>
    private void RestoreOwnViewChanges()
    {
        foreach (var (_, bytes) in _store.ReadPrefix(OwnViewChangePrefix))
        {
            var envelope = ConsensusEnvelope.Parser.ParseFrom(bytes);
            if (_envelopes.Open(envelope, out var sender, out _)?.ViewChange is { } viewChange && sender == _self)
            {
                _ownViewChanges[viewChange.NewView] = envelope;
                if (!_viewActive && viewChange.NewView == _view)
                {
                    _ownViewChange = envelope;
                    ViewChangesFor(_view)[_self] = (envelope, viewChange);
                }
            }
        }
    }

    private Dictionary<int, (ConsensusEnvelope Envelope, ViewChange Message)> ViewChangesFor(ulong view)
    {
        if (!_viewChanges.TryGetValue(view, out var set))
        {
            _viewChanges[view] = set = [];
        }
        return set;
    }

    private void OnViewChange(int sender, ConsensusEnvelope envelope, ViewChange viewChange)
    {
        if (!_validators.IsMember(sender) || EpochOf(viewChange.NewView) > _validators.Epoch)
        {
            // A later epoch's view change: this replica is behind, which status and catch-up mend.
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        if (viewChange.NewView < _view || (viewChange.NewView == _view && _viewActive))
        {
            // The sender missed the NEW-VIEW this replica entered: hand it over.
            if (_viewActive && _lastNewView is not null)
            {
                _transport.Send(_validators.IdOf(sender), _lastNewView);
            }
            Drops.Increment(DropReason.WrongView);
            return;
        }
        if (viewChange.NewView > _view + 100)
        {
            Drops.Increment(DropReason.WrongView);
            return;
        }
        var set = ViewChangesFor(viewChange.NewView);
        if (set.ContainsKey(sender))
        {
            return;
        }
        if (!ViewChangeProofs.IsValid(viewChange, _envelopes, _epochBase.Sequence, _epochBase.Root, _epochBase.TimeUnixMs, _epochEnd))
        {
            Drops.Increment(DropReason.InvalidViewChange);
            return;
        }
        set[sender] = (envelope, viewChange);
        // f + 1 replicas asking for later views include an honest one: follow to the smallest.
        var later = _viewChanges
            .Where(v => v.Key > _view || (v.Key == _view && _viewActive))
            .SelectMany(v => v.Value.Keys.Where(k => k != _self).Select(k => (View: v.Key, Sender: k)))
            .ToList();
        if (later.Select(l => l.Sender).Distinct().Count() >= _validators.FaultsTolerated + 1)
        {
            var smallest = later.Min(l => l.View);
            if (smallest > _view || (smallest == _view && _viewActive))
            {
                StartViewChange(smallest);
                return;
            }
        }
        CheckViewChangeQuorum();
    }

    /// <summary>
    /// With 2f + 1 VIEW-CHANGEs for the pending view, the view-change timer starts (so one replica
    /// alone never races ahead through views), and the new primary sends NEW-VIEW.
    /// </summary>
    private void CheckViewChangeQuorum()
    {
        if (_viewActive || !_viewChanges.TryGetValue(_view, out var set) || set.Count < _validators.Quorum)
        {
            return;
        }
        if (!_timers.IsArmed(ReplicaTimer.ViewChange))
        {
            _timers.Arm(ReplicaTimer.ViewChange, _currentTimeout);
        }
        if (_validators.PrimaryIndex(_view) != _self || _newViewSentFor == _view)
        {
            return;
        }
        var chosen = set.OrderBy(v => v.Key == _self ? -1 : v.Key).Take(_validators.Quorum).Select(v => v.Value).ToList();
        var plan = NewViewPlan.Compute(chosen.Select(c => c.Message).ToList(), _envelopes, _genesisTimeUnixMs);
        var newView = new NewView { View = _view };
        newView.ViewChanges.AddRange(chosen.Select(c => c.Envelope));
        foreach (var (sequence, batch) in plan.Proposals)
        {
            var prePrepare = new PrePrepare
            {
                View = _view,
                Sequence = sequence,
                Digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests).ToByteString(),
                Batch = batch,
            };
            // Recorded as this replica's vote before it is signed, like any proposal.
            if (Refused(_signer.SignPrePrepare(prePrepare)) is not { } signed)
            {
                return;
            }
            newView.PrePrepares.Add(signed);
        }
        _newViewSentFor = _view;
        var envelope = Seal(new ConsensusMessage { NewView = newView });
        // Stored before it is sent: a primary that restarts mid view change re-sends this very
        // NEW-VIEW rather than signing a second one with other re-proposals.
        _store.Write(NewViewKey, envelope.ToByteArray());
        _transport.Broadcast(envelope);
        EnterNewView(envelope, newView, plan);
    }

    /// <summary>After a restart, a primary that had sent NEW-VIEW for its pending view enters that view with it again.</summary>
    private void ResumeOwnNewView()
    {
        if (_viewActive || _store.Read(NewViewKey) is not { } bytes)
        {
            return;
        }
        var envelope = ConsensusEnvelope.Parser.ParseFrom(bytes);
        var newView = _envelopes.Open(envelope, out var sender, out _)?.NewView;
        if (newView is null || sender != _self || newView.View != _view || CheckNewView(newView) is not { } plan)
        {
            return;
        }
        _newViewSentFor = _view;
        _transport.Broadcast(envelope);
        EnterNewView(envelope, newView, plan);
    }

    private void OnNewView(int sender, ConsensusEnvelope envelope, NewView newView)
    {
        if (newView.View < _view || (newView.View == _view && _viewActive))
        {
            Drops.Increment(newView.View == _view ? DropReason.Duplicate : DropReason.WrongView);
            return;
        }
        if (sender != _validators.PrimaryIndex(newView.View))
        {
            Drops.Increment(DropReason.NotFromPrimary);
            return;
        }
        if (CheckNewView(newView) is not { } plan)
        {
            Drops.Increment(DropReason.InvalidNewView);
            return;
        }
        EnterNewView(envelope, newView, plan);
    }

    /// <summary>The plan a NEW-VIEW must follow when its VIEW-CHANGEs prove it, else null.</summary>
    private NewViewPlan? CheckNewView(NewView newView)
    {
        var viewChanges = new List<ViewChange>();
        var senders = new HashSet<int>();
        foreach (var envelope in newView.ViewChanges)
        {
            var viewChange = _envelopes.Open(envelope, out var sender, out _)?.ViewChange;
            if (viewChange is null || viewChange.NewView != newView.View || !senders.Add(sender)
                || !ViewChangeProofs.IsValid(viewChange, _envelopes, _epochBase.Sequence, _epochBase.Root, _epochBase.TimeUnixMs, _epochEnd))
            {
                return null;
            }
            viewChanges.Add(viewChange);
        }
        if (senders.Count < _validators.Quorum)
        {
            return null;
        }
        var plan = NewViewPlan.Compute(viewChanges, _envelopes, _genesisTimeUnixMs);
        if (plan.Proposals.Count != newView.PrePrepares.Count)
        {
            return null;
        }
        var primary = _validators.PrimaryIndex(newView.View);
        for (var i = 0; i < plan.Proposals.Count; i++)
        {
            var (sequence, batch) = plan.Proposals[i];
            var prePrepare = _envelopes.Open(newView.PrePrepares[i], out var sender, out _)?.PrePrepare;
            if (prePrepare is null || sender != primary || prePrepare.View != newView.View || prePrepare.Sequence != sequence
                || !prePrepare.Batch.Equals(batch)
                || prePrepare.Digest != ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests).ToByteString())
            {
                return null;
            }
        }
        return plan;
    }

    private void EnterNewView(ConsensusEnvelope envelope, NewView newView, NewViewPlan plan)
    {
        // The view becomes active only once the re-proposals are in the log: a primary that
        // started ordering earlier (a stable checkpoint adopted below proposes) would put new
        // batches in the slots the NEW-VIEW fills.
        _view = newView.View;
        _viewActive = false;
        _viewEnteredAt = _time.GetTimestamp();
        _timeoutDeferred = false;
        _lastNewView = envelope;
        _timers.Cancel(ReplicaTimer.ViewChange);
        _timers.Cancel(ReplicaTimer.Request);
        foreach (var old in _viewChanges.Keys.Where(k => k <= _view).ToList())
        {
            _viewChanges.Remove(old);
        }
        foreach (var slot in _slots.Values)
        {
            slot.DropVotesBefore(_view);
            slot.Parked = null;
        }
        if (plan.StableSequence > _stableSequence)
        {
            var source = plan.StableSource;
            MakeStable(source.StableSequence, source.StableStateRoot, source.StableTimeUnixMs, [.. source.CheckpointProof]);
        }
        if (plan.StableSequence > LastExecuted)
        {
            NoteAhead(-1, plan.StableSequence);
        }
        _pool.ClearInFlight();
        var isPrimary = IsPrimary;
        for (var i = 0; i < plan.Proposals.Count; i++)
        {
            var (sequence, batch) = plan.Proposals[i];
            if (sequence <= _stableSequence)
            {
                continue;
            }
            var requestDigests = CommittedBatch.DigestsOf(batch.Requests);
            var prePrepare = new PrePrepare
            {
                View = _view,
                Sequence = sequence,
                Digest = ConsensusHashing.BatchDigestOfDigests(batch.TimeUnixMs, requestDigests).ToByteString(),
                Batch = batch,
            };
            var slot = SlotFor(sequence);
            if (isPrimary)
            {
                if (_signer.Record(_view, sequence, new Hash(prePrepare.Digest.Span)))
                {
                    slot.AcceptPrePrepare(_view, newView.PrePrepares[i], prePrepare, new Hash(prePrepare.Digest.Span), requestDigests);
                    foreach (var requestDigest in requestDigests)
                    {
                        _pool.MarkInFlight(requestDigest);
                    }
                }
            }
            else
            {
                AcceptPrePrepare(slot, newView.PrePrepares[i], prePrepare, requestDigests);
            }
        }
        _viewActive = true;
        PersistView();
        var last = plan.Proposals.Count > 0 ? plan.Proposals[^1] : default;
        _nextSequence = Math.Max(Math.Max(_stableSequence, LastExecuted), last.Sequence);
        _lastAssignedTime = Math.Max(_application.LastExecuted.TimeUnixMs, last.Batch?.TimeUnixMs ?? _stableTime);
        ReplayFuture();
        foreach (var slot in _slots.Values.ToList())
        {
            CheckPrepared(slot);
        }
        ArmRequestTimer();
        ProposeBatches(force: false);
    }
}
