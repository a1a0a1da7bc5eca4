using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>
/// One PBFT replica as a deterministic, single-threaded state machine: every input is a method
/// call (<see cref="Submit"/>, <see cref="OnEnvelope"/>, <see cref="OnTimer"/>) and every output
/// goes through <see cref="IConsensusTransport"/>, <see cref="IConsensusApplication"/> and
/// <see cref="IConsensusStore"/>. Nothing here locks or awaits, so a whole cluster can run in one
/// test thread on a simulated clock; <see cref="ConsensusDriver"/> serialises calls in production.
/// </summary>
public sealed partial class Replica : IDisposable
{
    private const string ViewKey = "view";
    private const string StableKey = "stable";
    private const string NewViewKey = "new-view";

    private ValidatorSet _validators;
    private int _self;
    private readonly string _selfId;
    private readonly VoteSigner _signer;
    private readonly ConsensusOptions _options;
    private readonly IConsensusTransport _transport;
    private readonly IConsensusApplication _application;
    private readonly IConsensusStore _store;
    private readonly TimeProvider _time;
    private readonly long _genesisTimeUnixMs;
    private readonly EnvelopeVerifier _envelopes;
    private readonly RequestVerifier _requests;
    private readonly ReplicaTimers _timers;
    private readonly RequestPool _pool;
    private readonly CommittedRequests _committed;

    private readonly SortedDictionary<ulong, Slot> _slots = [];
    private readonly SortedDictionary<ulong, CommittedBatch> _ready = [];

    private ulong _view;
    private bool _viewActive = true;
    private bool _started;
    private bool _disposed;

    public Replica(ReplicaSetup setup, Action<ReplicaTimer, long> timerFired)
    {
        ArgumentNullException.ThrowIfNull(setup);
        setup.Options.EnsureValid();
        _validators = setup.Validators;
        _selfId = setup.SelfId;
        // A node outside the starting set is a learner until the chain votes it in.
        if (!_validators.TryGetIndex(_selfId, out _self))
        {
            _self = -1;
        }
        else if (!_validators.KeyOf(_self).Equals(setup.Key.PublicKey))
        {
            throw new ArgumentException($"The signing key is not the one the genesis file names for '{_selfId}'.", nameof(setup));
        }
        _options = setup.Options;
        _transport = setup.Transport;
        _application = setup.Application;
        _store = setup.Store;
        _signer = new VoteSigner(_store, _selfId, setup.Key);
        _time = setup.Time;
        _genesisTimeUnixMs = setup.GenesisTimeUnixMs;
        _envelopes = setup.EnvelopeVerifier ?? new EnvelopeVerifier(_validators);
        _requests = setup.RequestVerifier ?? new RequestVerifier(_application, _options.CommittedMemory);
        _timers = new ReplicaTimers(_time, timerFired);
        _pool = new RequestPool(_options.PendingPoolCapacity);
        _committed = new CommittedRequests(_options.CommittedMemory);
        _currentTimeout = _options.ViewChangeTimeout;
    }

    public string Id => _selfId;
    public ulong View => _view;
    public bool ViewActive => _viewActive;
    public bool IsPrimary => _self >= 0 && _validators.PrimaryIndex(_view) == _self;
    public ulong LastExecuted => _application.LastExecuted.Sequence;
    public ulong StableCheckpoint => _stableSequence;
    public int PendingRequests => _pool.Count;
    public DropCounters Drops { get; } = new();

    /// <summary>Restores view, votes and stable checkpoint from the store, then starts timers and catch-up.</summary>
    public void Start()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_started)
        {
            return;
        }
        _started = true;
        Restore();
        RestoreMembership();
        RestoreOwnViewChanges();
        var head = _application.LastExecuted;
        _nextSequence = Math.Max(head.Sequence, _stableSequence);
        _lastAssignedTime = head.TimeUnixMs;
        foreach (var vote in _signer.Votes.Values.Where(v => v.View == _view))
        {
            _nextSequence = Math.Max(_nextSequence, vote.Sequence);
        }
        RememberRecentlyCommitted(head.Sequence);
        _timers.Arm(ReplicaTimer.Status, _options.StatusInterval);
        BroadcastStatus();
        if (!_viewActive)
        {
            BroadcastViewChange();
            ResumeOwnNewView();
        }
        // A restarted replica asks a peer for what it missed before it takes part again.
        _catchUpTarget = Math.Max(_catchUpTarget, head.Sequence + 1);
        ProbeStateSyncAtStart();
        MaybeFetch();
    }

    /// <summary>A request from a client of this node: validated, pooled and forwarded to every other replica.</summary>
    public SubmitResult Submit(ByteString request)
    {
        var result = request is null ? SubmitResult.Invalid : AddRequest(request, ConsensusHashing.RequestDigest(request));
        if (result == SubmitResult.Accepted)
        {
            Broadcast(new ConsensusMessage { Forward = new ForwardRequests { Requests = { request } } });
        }
        return result;
    }

    /// <summary>
    /// Several clients' requests at once, each pooled as by <see cref="Submit"/>; the accepted ones
    /// go to the other replicas in one FORWARD, so a burst costs one signature and one check per
    /// peer instead of one per request. Results are in the order of <paramref name="requests"/>.
    /// </summary>
    /// <param name="requests">The requests with the digest each was validated under.</param>
    public SubmitResult[] SubmitMany(IReadOnlyList<(ByteString Request, Hash Digest)> requests)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var results = new SubmitResult[requests.Count];
        var forward = new ForwardRequests();
        for (var i = 0; i < requests.Count; i++)
        {
            results[i] = AddRequest(requests[i].Request, requests[i].Digest);
            if (results[i] == SubmitResult.Accepted)
            {
                forward.Requests.Add(requests[i].Request);
            }
        }
        if (forward.Requests.Count > 0)
        {
            Broadcast(new ConsensusMessage { Forward = forward });
        }
        return results;
    }

    /// <summary>An envelope from the network: its signature is checked here unless the driver already did.</summary>
    public void OnEnvelope(ConsensusEnvelope envelope)
    {
        if (_disposed || !_started)
        {
            return;
        }
        var message = _envelopes.Open(envelope, out var sender, out var reason);
        if (message is null)
        {
            Drops.Increment(reason);
            return;
        }
        OnOpenedEnvelope(sender, envelope, message, null);
    }

    /// <summary>An envelope whose signature <see cref="EnvelopeVerifier"/> has checked, with the message it opened to.</summary>
    /// <param name="sender">The validator index the envelope is signed by.</param>
    /// <param name="envelope">The signed envelope.</param>
    /// <param name="message">The message it opened to.</param>
    /// <param name="requestDigests">
    /// For a FORWARD or PRE-PREPARE, each carried request's digest as the driver computed it while
    /// checking them off the loop; null to compute them here.
    /// </param>
    internal void OnOpenedEnvelope(int sender, ConsensusEnvelope envelope, ConsensusMessage message, IReadOnlyList<Hash>? requestDigests)
    {
        if (_disposed || !_started)
        {
            return;
        }
        if (sender == _self)
        {
            Drops.Increment(DropReason.Duplicate);
            return;
        }
        if (IsOrdering(message.KindCase) && (!Participates || !MaySendOrdering(sender)))
        {
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        Dispatch(sender, envelope, message, requestDigests);
    }

    public void OnTimer(ReplicaTimer timer, long generation)
    {
        if (_disposed || !_started || !_timers.Accept(timer, generation))
        {
            return;
        }
        if (!Participates && timer != ReplicaTimer.Status)
        {
            return;
        }
        switch (timer)
        {
            case ReplicaTimer.Linger:
                ProposeBatches(force: true);
                break;
            case ReplicaTimer.Request:
                OnRequestTimeout();
                break;
            case ReplicaTimer.ViewChange:
                _currentTimeout *= 2;
                StartViewChange(_view + 1);
                break;
            case ReplicaTimer.Status:
                OnStatusTick();
                OnStateSyncTick();
                break;
        }
    }

    public void Dispose()
    {
        _disposed = true;
        _timers.Dispose();
    }

    private void Dispatch(int sender, ConsensusEnvelope envelope, ConsensusMessage message, IReadOnlyList<Hash>? requestDigests)
    {
        switch (message.KindCase)
        {
            case ConsensusMessage.KindOneofCase.PrePrepare:
                OnPrePrepare(sender, envelope, message.PrePrepare, requestDigests);
                break;
            case ConsensusMessage.KindOneofCase.Prepare:
                OnPrepare(sender, envelope, message.Prepare);
                break;
            case ConsensusMessage.KindOneofCase.Commit:
                OnCommit(sender, envelope, message.Commit);
                break;
            case ConsensusMessage.KindOneofCase.Checkpoint:
                OnCheckpoint(sender, envelope, message.Checkpoint);
                break;
            case ConsensusMessage.KindOneofCase.ViewChange:
                OnViewChange(sender, envelope, message.ViewChange);
                break;
            case ConsensusMessage.KindOneofCase.NewView:
                OnNewView(sender, envelope, message.NewView);
                break;
            case ConsensusMessage.KindOneofCase.Forward:
                var forwarded = message.Forward.Requests;
                for (var i = 0; i < forwarded.Count; i++)
                {
                    AddRequest(forwarded[i], requestDigests?[i] ?? ConsensusHashing.RequestDigest(forwarded[i]));
                }
                break;
            case ConsensusMessage.KindOneofCase.FetchRequest:
                OnFetchRequest(sender, message.FetchRequest);
                break;
            case ConsensusMessage.KindOneofCase.FetchResponse:
                OnFetchResponse(sender, message.FetchResponse);
                break;
            case ConsensusMessage.KindOneofCase.Status:
                ConsiderStateSync(sender, message.Status.LastExecuted);
                OnStatus(sender, message.Status);
                break;
            default:
                if (!OnStateSyncMessage(sender, envelope, message))
                {
                    Drops.Increment(DropReason.Malformed);
                }
                break;
        }
    }

    private SubmitResult AddRequest(ByteString request, Hash digest)
    {
        if (request.Length == 0 || request.Length > _options.MaxRequestBytes)
        {
            Drops.Increment(DropReason.InvalidRequest);
            return SubmitResult.Invalid;
        }
        if (_committed.Contains(digest))
        {
            return SubmitResult.AlreadyCommitted;
        }
        if (_pool.Contains(digest))
        {
            return SubmitResult.Duplicate;
        }
        // Validity first: an invalid request should be told so, not invited to retry later.
        if (_requests.Check(digest, request) is not null)
        {
            Drops.Increment(DropReason.InvalidRequest);
            return SubmitResult.Invalid;
        }
        if (_pool.IsFull)
        {
            return SubmitResult.PoolFull;
        }
        _pool.TryAdd(digest, request, _time.GetTimestamp());
        ArmRequestTimer();
        ProposeBatches(force: false);
        return SubmitResult.Accepted;
    }

    private void Broadcast(ConsensusMessage message) => _transport.Broadcast(Seal(message));

    /// <summary>Signs a message that is not a vote; votes are signed by <see cref="VoteSigner"/> alone.</summary>
    private ConsensusEnvelope Seal(ConsensusMessage message) => _signer.SealOther(message);

    private Slot SlotFor(ulong sequence)
    {
        if (!_slots.TryGetValue(sequence, out var slot))
        {
            _slots[sequence] = slot = new Slot(sequence);
        }
        return slot;
    }

    // Nothing past the epoch's end is ordered by this set: the next one orders it (see Replica.Membership.cs).
    private bool InWindow(ulong sequence) => sequence > _stableSequence && sequence <= _stableSequence + (ulong)_options.WindowSize && sequence <= _epochEnd;

    private long NowUnixMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A vote <see cref="VoteSigner"/> refused, as the drop it is.</summary>
    private T? Refused<T>(T? signed) where T : class
    {
        if (signed is null)
        {
            Drops.Increment(DropReason.ConflictingVote);
        }
        return signed;
    }

    private void PersistView() =>
        _store.Write(ViewKey, new ViewRecord { View = _view, Active = _viewActive }.ToByteArray());

    /// <summary>
    /// Refills the memory of executed requests from the chain after a restart, so a request a peer
    /// forwards again is not taken for a new one and ordered twice.
    /// </summary>
    private void RememberRecentlyCommitted(ulong head)
    {
        var batches = (ulong)(_options.CommittedMemory / _options.BatchMaxCount + _options.WindowSize);
        var from = head > batches ? head - batches + 1 : 1;
        while (from <= head)
        {
            var chunk = _application.ReadCommitted(from, _options.FetchBatchCount);
            if (chunk.Count == 0)
            {
                break;
            }
            foreach (var batch in chunk)
            {
                foreach (var digest in batch.RequestDigests)
                {
                    _committed.Add(digest);
                }
            }
            from = chunk[^1].Sequence + 1;
        }
    }

    private void Restore()
    {
        if (_store.Read(ViewKey) is { } viewBytes)
        {
            var record = ViewRecord.Parser.ParseFrom(viewBytes);
            _view = record.View;
            _viewActive = record.Active;
        }
        if (_store.Read(StableKey) is { } stableBytes)
        {
            var stable = StableCheckpointRecord.Parser.ParseFrom(stableBytes);
            _stableSequence = stable.Sequence;
            _stableRoot = stable.StateRoot;
            _stableTime = stable.TimeUnixMs;
            _stableProof = [.. stable.Proof];
        }
        else
        {
            _stableTime = _genesisTimeUnixMs;
        }
        RestoreStateSync();
        foreach (var vote in _signer.Restore(_stableSequence))
        {
            if (vote.Prepared is not null)
            {
                SlotFor(vote.Sequence).Prepared = vote.Prepared;
            }
        }
    }
}
