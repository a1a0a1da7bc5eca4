using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

// The normal case: the primary cuts batches, and PRE-PREPARE, PREPARE and COMMIT carry each
// sequence number to a commit certificate, several sequence numbers at once.
public sealed partial class Replica
{
    private ulong _nextSequence;
    private long _lastAssignedTime;
    private bool _timeoutDeferred;
    private readonly List<(int Sender, ConsensusEnvelope Envelope, ConsensusMessage Message)> _future = [];

    private void ProposeBatches(bool force)
    {
        if (!_viewActive || !IsPrimary || !KnowsEverythingInFlight())
        {
            return;
        }
        var limit = Math.Min(_stableSequence + (ulong)_options.WindowSize, _epochEnd);
        while (_nextSequence < limit)
        {
            List<(Hash Digest, ByteString Request)> requests;
            if (_pool.HasProposable())
            {
                var full = _pool.HasFullBatch(_options.BatchMaxCount, _options.BatchMaxBytes);
                // Requests gather into larger batches only while earlier ones are being ordered;
                // an idle pipeline takes what is there, so a lone request is not held back.
                var inFlight = _nextSequence > LastExecuted;
                if (!full && !force && inFlight && _options.BatchLinger > TimeSpan.Zero)
                {
                    if (!_timers.IsArmed(ReplicaTimer.Linger))
                    {
                        _timers.Arm(ReplicaTimer.Linger, _options.BatchLinger);
                    }
                    return;
                }
                requests = _pool.TakeBatch(_options.BatchMaxCount, _options.BatchMaxBytes);
                force = false;
                if (requests.Count == 0)
                {
                    break;
                }
            }
            else if (_epochEnd != Membership.Open)
            {
                // A change of validators takes effect only once its epoch's last sequence is
                // ordered: with nothing to order, empty batches get there, so an idle network
                // changes its validators too.
                requests = [];
            }
            else
            {
                break;
            }
            var time = Math.Max(NowUnixMs, _lastAssignedTime);
            var batch = new Batch { TimeUnixMs = time, Requests = { requests.Select(r => r.Request) } };
            var requestDigests = requests.ConvertAll(r => r.Digest);
            var sequence = _nextSequence + 1;
            var digest = ConsensusHashing.BatchDigestOfDigests(time, requestDigests);
            var prePrepare = new PrePrepare { View = _view, Sequence = sequence, Digest = digest.ToByteString(), Batch = batch };
            if (Refused(_signer.SignPrePrepare(prePrepare)) is not { } envelope)
            {
                return;
            }
            _nextSequence = sequence;
            _lastAssignedTime = time;
            _transport.Broadcast(envelope);
            SlotFor(sequence).AcceptPrePrepare(_view, envelope, prePrepare, digest, requestDigests);
            CheckPrepared(SlotFor(sequence));
        }
        if (!_pool.HasProposable())
        {
            _timers.Cancel(ReplicaTimer.Linger);
        }
    }

    /// <summary>
    /// The primary orders new requests only when every sequence up to its last assignment is
    /// executed or holds a PRE-PREPARE it knows in this view: otherwise (behind the stable
    /// checkpoint, or restarted and missing its own earlier batches) it cannot tell which pending
    /// requests are already ordered, and could order one twice.
    /// </summary>
    private bool KnowsEverythingInFlight()
    {
        var executed = LastExecuted;
        if (executed < _stableSequence)
        {
            return false;
        }
        for (var sequence = executed + 1; sequence <= _nextSequence; sequence++)
        {
            if (!_slots.TryGetValue(sequence, out var slot) || !slot.HasPrePrepare || slot.View != _view)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Keeps messages of a view this replica has not entered yet, to replay when it does.</summary>
    private bool DeferIfFuture(int sender, ConsensusEnvelope envelope, ConsensusMessage message, ulong view)
    {
        if (view < _view)
        {
            Drops.Increment(DropReason.WrongView);
            return true;
        }
        if (view == _view && _viewActive)
        {
            return false;
        }
        if (view > _view + 2 && !IsNearNextEpoch(view))
        {
            Drops.Increment(DropReason.WrongView);
            return true;
        }
        if (_future.Count >= 4 * _options.WindowSize * _validators.Count)
        {
            _future.RemoveAt(0);
        }
        _future.Add((sender, envelope, message));
        return true;
    }

    private void ReplayFuture()
    {
        var replay = _future.Where(f => ViewOf(f.Message) == _view).ToList();
        _future.RemoveAll(f => ViewOf(f.Message) <= _view);
        foreach (var (sender, envelope, message) in replay)
        {
            Dispatch(sender, envelope, message, null);
        }
    }

    private static ulong ViewOf(ConsensusMessage message) => message.KindCase switch
    {
        ConsensusMessage.KindOneofCase.PrePrepare => message.PrePrepare.View,
        ConsensusMessage.KindOneofCase.Prepare => message.Prepare.View,
        ConsensusMessage.KindOneofCase.Commit => message.Commit.View,
        _ => 0,
    };

    /// <param name="sender">The validator index the envelope is signed by.</param>
    /// <param name="envelope">The signed envelope, kept as the slot's proof.</param>
    /// <param name="prePrepare">The opened message.</param>
    /// <param name="requestDigests">Each request's digest when the driver computed them on arrival; else computed here.</param>
    private void OnPrePrepare(int sender, ConsensusEnvelope envelope, PrePrepare prePrepare, IReadOnlyList<Hash>? requestDigests)
    {
        if (DeferIfFuture(sender, envelope, new ConsensusMessage { PrePrepare = prePrepare }, prePrepare.View))
        {
            return;
        }
        if (sender != _validators.PrimaryIndex(prePrepare.View))
        {
            Drops.Increment(DropReason.NotFromPrimary);
            return;
        }
        if (!InWindow(prePrepare.Sequence))
        {
            Drops.Increment(DropReason.OutsideWindow);
            return;
        }
        if (prePrepare.Batch is null || prePrepare.Digest.Length != Hash.Size)
        {
            Drops.Increment(DropReason.DigestMismatch);
            return;
        }
        requestDigests ??= CommittedBatch.DigestsOf(prePrepare.Batch.Requests);
        if (requestDigests.Count != prePrepare.Batch.Requests.Count
            || ConsensusHashing.BatchDigestOfDigests(prePrepare.Batch.TimeUnixMs, requestDigests) != new Hash(prePrepare.Digest.Span))
        {
            Drops.Increment(DropReason.DigestMismatch);
            return;
        }
        var digest = new Hash(prePrepare.Digest.Span);
        var slot = SlotFor(prePrepare.Sequence);
        var existing = slot.HasPrePrepare && slot.View == prePrepare.View ? slot.Digest
            : slot.Parked is { } parked && parked.Message.View == prePrepare.View ? new Hash(parked.Message.Digest.Span)
            : (Hash?)null;
        if (existing is { } known)
        {
            Drops.Increment(known == digest ? DropReason.Duplicate : DropReason.Equivocation);
            return;
        }
        if (!RequestsAreOrderable(prePrepare.Batch, requestDigests))
        {
            Drops.Increment(DropReason.InvalidRequest);
            return;
        }
        if (prePrepare.Batch.TimeUnixMs > NowUnixMs + (long)_options.MaxClockSkew.TotalMilliseconds)
        {
            Drops.Increment(DropReason.BadTimestamp);
            return;
        }
        slot.Parked = (envelope, prePrepare, requestDigests);
        TryAcceptParked(prePrepare.Sequence);
    }

    /// <summary>
    /// Accepts parked PRE-PREPAREs in sequence order once the time of the batch before each is
    /// known: a batch's time may not precede its predecessor's.
    /// </summary>
    private void TryAcceptParked(ulong sequence)
    {
        while (_slots.TryGetValue(sequence, out var slot) && slot.Parked is { } parked)
        {
            if (PredecessorTime(sequence) is not { } previous)
            {
                return;
            }
            slot.Parked = null;
            if (parked.Message.Batch.TimeUnixMs < previous)
            {
                Drops.Increment(DropReason.BadTimestamp);
                return;
            }
            AcceptPrePrepare(slot, parked.Envelope, parked.Message, parked.RequestDigests);
            sequence++;
        }
    }

    private long? PredecessorTime(ulong sequence)
    {
        var previous = sequence - 1;
        var head = _application.LastExecuted;
        if (previous == head.Sequence)
        {
            return head.TimeUnixMs;
        }
        if (previous == _stableSequence)
        {
            return _stableTime;
        }
        if (_slots.TryGetValue(previous, out var slot) && slot.HasPrePrepare && slot.View == _view)
        {
            return slot.PrePrepare!.Batch.TimeUnixMs;
        }
        return _ready.TryGetValue(previous, out var ready) ? ready.TimeUnixMs : null;
    }

    private bool RequestsAreOrderable(Batch batch, IReadOnlyList<Hash> requestDigests)
    {
        var seen = new HashSet<Hash>();
        for (var i = 0; i < batch.Requests.Count; i++)
        {
            var request = batch.Requests[i];
            var digest = requestDigests[i];
            if (!seen.Add(digest) || _committed.Contains(digest) || request.Length > _options.MaxRequestBytes)
            {
                return false;
            }
            if (!_pool.Contains(digest) && _requests.Check(digest, request) is not null)
            {
                return false;
            }
        }
        return true;
    }

    private void AcceptPrePrepare(Slot slot, ConsensusEnvelope envelope, PrePrepare prePrepare, IReadOnlyList<Hash> requestDigests)
    {
        var digest = new Hash(prePrepare.Digest.Span);
        var prepare = new Prepare { View = prePrepare.View, Sequence = prePrepare.Sequence, Digest = prePrepare.Digest };
        if (Refused(_signer.SignPrepare(prepare)) is not { } prepareEnvelope)
        {
            return;
        }
        slot.AcceptPrePrepare(prePrepare.View, envelope, prePrepare, digest, requestDigests);
        foreach (var requestDigest in requestDigests)
        {
            _pool.MarkInFlight(requestDigest);
        }
        slot.PreparesFor(prePrepare.View, digest)[_self] = prepareEnvelope;
        _transport.Broadcast(prepareEnvelope);
        CheckPrepared(slot);
    }

    private void OnPrepare(int sender, ConsensusEnvelope envelope, Prepare prepare)
    {
        if (DeferIfFuture(sender, envelope, new ConsensusMessage { Prepare = prepare }, prepare.View))
        {
            return;
        }
        if (!_validators.IsMember(sender))
        {
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        if (sender == _validators.PrimaryIndex(prepare.View) || prepare.Digest.Length != Hash.Size)
        {
            Drops.Increment(DropReason.Malformed);
            return;
        }
        if (!InWindow(prepare.Sequence))
        {
            Drops.Increment(DropReason.OutsideWindow);
            return;
        }
        var slot = SlotFor(prepare.Sequence);
        var votes = slot.PreparesFor(prepare.View, new Hash(prepare.Digest.Span));
        if (!votes.TryAdd(sender, envelope))
        {
            Drops.Increment(DropReason.Duplicate);
            return;
        }
        CheckPrepared(slot);
    }

    private void OnCommit(int sender, ConsensusEnvelope envelope, Commit commit)
    {
        if (DeferIfFuture(sender, envelope, new ConsensusMessage { Commit = commit }, commit.View))
        {
            return;
        }
        if (!_validators.IsMember(sender))
        {
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        if (commit.Digest.Length != Hash.Size)
        {
            Drops.Increment(DropReason.Malformed);
            return;
        }
        if (!InWindow(commit.Sequence))
        {
            // A commit beyond the window shows the others are ahead: worth catching up.
            if (commit.Sequence > _stableSequence)
            {
                NoteAhead(sender, commit.Sequence - 1);
            }
            Drops.Increment(DropReason.OutsideWindow);
            return;
        }
        var digest = new Hash(commit.Digest.Span);
        var signed = ConsensusHashing.CommitBytes(commit.View, commit.Sequence, digest);
        if (!_validators.KeyOf(sender).Verify(SigningDomain.ConsensusMessage, signed, commit.CommitSignature.Span))
        {
            Drops.Increment(DropReason.BadSignature);
            return;
        }
        var slot = SlotFor(commit.Sequence);
        if (!slot.CommitsFor(commit.View, digest).TryAdd(sender, commit.CommitSignature))
        {
            Drops.Increment(DropReason.Duplicate);
            return;
        }
        CheckCommitted(slot);
    }

    private void CheckPrepared(Slot slot)
    {
        if (!slot.HasPrePrepare || slot.View != _view || !_viewActive || slot.SentCommit)
        {
            return;
        }
        var primary = _validators.PrimaryIndex(slot.View);
        var prepares = slot.PreparesFor(slot.View, slot.Digest).Where(p => p.Key != primary).ToList();
        if (prepares.Count < _validators.Quorum - 1)
        {
            return;
        }
        var proof = new PreparedProof { PrePrepare = slot.PrePrepareEnvelope };
        proof.Prepares.AddRange(prepares.OrderBy(p => p.Key).Take(_validators.Quorum - 1).Select(p => p.Value));
        if (_signer.SignCommit(slot.View, slot.Sequence, slot.Digest, proof) is not { } commit)
        {
            Drops.Increment(DropReason.ConflictingVote);
            return;
        }
        slot.Prepared = proof;
        slot.SentCommit = true;
        slot.CommitsFor(slot.View, slot.Digest)[_self] = commit.CertificateSignature;
        _transport.Broadcast(commit.Envelope);
        CheckCommitted(slot);
    }

    private void CheckCommitted(Slot slot)
    {
        if (!slot.SentCommit || slot.Committed || slot.View != _view)
        {
            return;
        }
        var commits = slot.CommitsFor(slot.View, slot.Digest);
        if (commits.Count < _validators.Quorum)
        {
            return;
        }
        slot.Committed = true;
        if (slot.Sequence <= LastExecuted || _ready.ContainsKey(slot.Sequence))
        {
            return;
        }
        var batch = slot.PrePrepare!.Batch;
        var certificate = CommitCertificates.Build(slot.View, slot.Sequence, slot.Digest,
            commits.Select(c => (_validators.IdOf(c.Key), c.Value)));
        _ready[slot.Sequence] = new CommittedBatch(slot.Sequence, slot.View, _validators.PrimaryId(slot.View), batch.TimeUnixMs, [.. batch.Requests], slot.RequestDigests, certificate)
        {
            Prepared = slot.RequestDigests.Select(_requests.TakePrepared).ToArray(),
        };
        ExecuteReady();
    }

    /// <summary>Hands committed batches to the application strictly in sequence order.</summary>
    private void ExecuteReady()
    {
        var progressed = false;
        while (true)
        {
            var head = _application.LastExecuted;
            foreach (var stale in _ready.Keys.Where(k => k <= head.Sequence).ToList())
            {
                _ready.Remove(stale);
            }
            if (!_ready.Remove(head.Sequence + 1, out var batch))
            {
                break;
            }
            var root = _application.Execute(batch);
            progressed = true;
            foreach (var digest in batch.RequestDigests)
            {
                _pool.Remove(digest);
                _committed.Add(digest);
            }
            if (batch.Sequence % (ulong)_options.CheckpointInterval == 0 && Participates)
            {
                SendCheckpoint(batch.Sequence, root, batch.TimeUnixMs);
            }
            OnExecutedForStateSync(batch.Sequence);
            FollowMembership();
        }
        if (!progressed)
        {
            return;
        }
        _lastProgressAt = _time.GetTimestamp();
        TryAcceptParked(LastExecuted + 1);
        _timeoutDeferred = false;
        if (_viewActive)
        {
            _currentTimeout = _options.ViewChangeTimeout;
        }
        _timers.Cancel(ReplicaTimer.Request);
        ArmRequestTimer();
        if (_nextSequence < LastExecuted)
        {
            _nextSequence = LastExecuted;
            _lastAssignedTime = Math.Max(_lastAssignedTime, _application.LastExecuted.TimeUnixMs);
        }
        ProposeBatches(force: false);
    }

    /// <summary>
    /// The request timer runs from the arrival of the oldest pending request (or from entering the
    /// view, if later), so a primary that keeps ordering other requests while censoring one is
    /// still replaced.
    /// </summary>
    private void ArmRequestTimer()
    {
        if (!_viewActive || _timers.IsArmed(ReplicaTimer.Request))
        {
            return;
        }
        // An epoch's end is owed as a request is: the empty batches that reach it have no client
        // to send them again, so a primary that stops short of it is replaced like one that sits
        // on a request. It is owed since the last progress, not since it was scheduled.
        if ((_pool.OldestArrival ?? (AwaitsEpochEnd ? _lastProgressAt : null)) is not { } oldest)
        {
            return;
        }
        var since = Math.Max(oldest, _viewEnteredAt);
        var due = _currentTimeout - _time.GetElapsedTime(since);
        _timers.Arm(ReplicaTimer.Request, due > TimeSpan.Zero ? due : TimeSpan.FromMilliseconds(1));
    }

    private void OnRequestTimeout()
    {
        if (!_viewActive || (_pool.Count == 0 && !AwaitsEpochEnd))
        {
            return;
        }
        // The first expiry is a second chance, as a PBFT client's retransmission is: the replica
        // forwards its oldest pending requests again (a lost forward leaves only this replica
        // waiting, and one replica cannot change the view alone) and catches up if it is merely
        // behind. Only a second expiry without progress blames the primary.
        if (!_timeoutDeferred)
        {
            _timeoutDeferred = true;
            var oldest = _pool.Oldest(_options.BatchMaxCount);
            if (oldest.Count > 0)
            {
                Broadcast(new ConsensusMessage { Forward = new ForwardRequests { Requests = { oldest } } });
            }
            MaybeFetch();
            _timers.Arm(ReplicaTimer.Request, _currentTimeout);
            return;
        }
        StartViewChange(_view + 1);
    }
}
