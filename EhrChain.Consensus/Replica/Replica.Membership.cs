using EhrChain.Core.Chain;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

// Epochs: the chain decides the validators (IMembershipApplication). Epoch e orders sequences up
// to its EpochEnd E and no further; after executing E a replica moves to view (e + 1) << 32 of the
// next set, with E as the new epoch's base: its stable checkpoint by construction, since no
// replica enters the epoch before executing E. See docs/consensus.md, "Membership".
public sealed partial class Replica
{
    private const string EpochBaseKey = "epoch-base";
    private const int EpochShift = 32;

    private ulong _epochEnd = Membership.Open;
    private EpochBase _epochBase;
    private ValidatorSet? _nextMembers;
    private long _lastProgressAt;
    private Membership? _followed;

    /// <summary>The epoch this replica orders in.</summary>
    public ulong Epoch => _validators.Epoch;

    /// <summary>The last sequence the current epoch orders; <see cref="Membership.Open"/> while no change is scheduled.</summary>
    public ulong EpochEnd => _epochEnd;

    /// <summary>The primary of the view this replica is in.</summary>
    public string PrimaryId => _validators.PrimaryId(_view);

    /// <summary>The validators ordering now, in consensus order.</summary>
    public IReadOnlyList<string> Members => _validators.Ids;

    /// <summary>The validators ordering after <see cref="EpochEnd"/>; empty while no change is scheduled.</summary>
    public IReadOnlyList<string> NextMembers => _nextMembers?.Ids ?? [];

    /// <summary>False for a node that is not (or no longer, or not yet) a member: it follows the chain by catch-up and signs no vote.</summary>
    public bool Participates => _self >= 0 && _validators.IsMember(_self);

    /// <summary>A change is scheduled and its epoch's last sequence is not executed yet.</summary>
    private bool AwaitsEpochEnd => _epochEnd != Membership.Open && LastExecuted < _epochEnd;

    private static ulong EpochOf(ulong view) => view >> EpochShift;

    private static ulong FirstViewOf(ulong epoch) => epoch << EpochShift;

    /// <summary>After a restart: the epoch base this replica recorded, then the membership the chain says is in force.</summary>
    private void RestoreMembership()
    {
        _epochBase = new EpochBase(0, ByteString.Empty, _genesisTimeUnixMs);
        if (_store.Read(EpochBaseKey) is { } bytes)
        {
            var record = StableCheckpointRecord.Parser.ParseFrom(bytes);
            _epochBase = new EpochBase(record.Sequence, record.StateRoot, record.TimeUnixMs);
        }
        FollowMembership();
    }

    /// <summary>
    /// Reads the membership after the batch just executed (or installed): learns the validators a
    /// scheduled change brings in, so their envelopes open, and enters the next epoch once the
    /// chain says it began.
    /// </summary>
    private void FollowMembership()
    {
        if (_application is not IMembershipApplication app)
        {
            return;
        }
        var membership = app.Membership;
        if (ReferenceEquals(membership, _followed))
        {
            return;
        }
        _followed = membership;
        if (membership.Epoch > _validators.Epoch)
        {
            EnterEpoch(membership);
            return;
        }
        var known = membership.Next is { } next ? _validators.WithKnown(next) : _validators;
        _nextMembers = membership.Next is { } incoming ? known.ForEpoch(membership.Epoch + 1, incoming) : null;
        if (_epochEnd != membership.EpochEnd)
        {
            _epochEnd = membership.EpochEnd;
            _lastProgressAt = _time.GetTimestamp();
            ArmRequestTimer();
        }
        UseValidators(known);
    }

    private void UseValidators(ValidatorSet validators)
    {
        _validators = validators;
        _envelopes.Use(validators);
        _self = validators.TryGetIndex(_selfId, out var index) && validators.KeyOf(index).Equals(_signer.PublicKey) ? index : -1;
    }

    private void EnterEpoch(Membership membership)
    {
        var head = _application.LastExecuted;
        // The base is the last batch of the epoch before. A replica that executed it just now, or
        // recorded it before a restart, knows its root; one that jumped past it by a snapshot
        // takes its own head instead, which only costs it the checkpoint proofs of that gap.
        _epochBase = head.Sequence + 1 == membership.FirstSequence || _epochBase.Sequence + 1 != membership.FirstSequence
            ? new EpochBase(head.Sequence, head.StateRoot.ToByteString(), head.TimeUnixMs)
            : _epochBase;
        _store.Write(EpochBaseKey, new StableCheckpointRecord { Sequence = _epochBase.Sequence, StateRoot = _epochBase.Root, TimeUnixMs = _epochBase.TimeUnixMs }.ToByteArray());

        var validators = _validators.ForEpoch(membership.Epoch, membership.Validators);
        if (membership.Next is { } next)
        {
            validators = validators.WithKnown(next);
        }
        _nextMembers = membership.Next is { } incoming ? validators.ForEpoch(membership.Epoch + 1, incoming) : null;
        _epochEnd = membership.EpochEnd;
        UseValidators(validators);

        // Nothing of the epoch before carries over: its views, votes and checkpoints were counted
        // against another set, and everything it ordered is executed.
        _viewChanges.Clear();
        _ownViewChange = null;
        _lastNewView = null;
        _newViewSentFor = ulong.MaxValue;
        _checkpoints.Clear();
        _attestations.Clear();
        // A restarted replica has already loaded its votes of this epoch: those stay.
        foreach (var slot in _slots.Keys.Where(k => !_signer.Votes.TryGetValue(k, out var vote) || EpochOf(vote.View) < membership.Epoch).ToList())
        {
            _slots.Remove(slot);
        }
        _signer.Forget(vote => EpochOf(vote.View) < membership.Epoch);
        _pool.ClearInFlight();
        _timers.Cancel(ReplicaTimer.Linger);
        _timers.Cancel(ReplicaTimer.Request);
        _timers.Cancel(ReplicaTimer.ViewChange);
        _timeoutDeferred = false;
        _currentTimeout = _options.ViewChangeTimeout;

        var firstView = FirstViewOf(membership.Epoch);
        if (_view < firstView)
        {
            _view = firstView;
            _viewActive = true;
            _viewEnteredAt = _time.GetTimestamp();
            PersistView();
        }
        _future.RemoveAll(f => ViewOf(f.Message) < firstView);
        _nextSequence = Math.Max(_nextSequence, _epochBase.Sequence);
        _lastAssignedTime = Math.Max(_lastAssignedTime, _epochBase.TimeUnixMs);
        if (_stableSequence < _epochBase.Sequence)
        {
            MakeStable(_epochBase.Sequence, _epochBase.Root, _epochBase.TimeUnixMs, []);
        }
        if (!Participates)
        {
            return;
        }
        // Validators that joined hold none of the pending requests: hand them over, or they
        // would wait for the request timer before the new primary could order them.
        var pending = _pool.Oldest(4 * _options.BatchMaxCount);
        if (pending.Count > 0)
        {
            Broadcast(new ConsensusMessage { Forward = new ForwardRequests { Requests = { pending } } });
        }
        ArmRequestTimer();
        ReplayFuture();
        ProposeBatches(force: false);
    }

    /// <summary>
    /// Ordering messages count only from this epoch's members; the next epoch's members are let
    /// through to be kept for when this replica enters it.
    /// </summary>
    private bool MaySendOrdering(int sender) =>
        _validators.IsMember(sender) || (_nextMembers?.IsMember(sender) ?? false);

    private static bool IsOrdering(ConsensusMessage.KindOneofCase kind) => kind is
        ConsensusMessage.KindOneofCase.PrePrepare or ConsensusMessage.KindOneofCase.Prepare
        or ConsensusMessage.KindOneofCase.Commit or ConsensusMessage.KindOneofCase.Checkpoint
        or ConsensusMessage.KindOneofCase.ViewChange or ConsensusMessage.KindOneofCase.NewView
        or ConsensusMessage.KindOneofCase.SnapshotAttestation;

    /// <summary>A view of the next epoch, close to its first: kept for when this replica gets there.</summary>
    private bool IsNearNextEpoch(ulong view) =>
        _epochEnd != Membership.Open && EpochOf(view) == _validators.Epoch + 1 && view - FirstViewOf(EpochOf(view)) <= 2;

    /// <summary>The last sequence of the epoch before, with the root and time after it: the stable checkpoint an epoch starts from.</summary>
    private readonly record struct EpochBase(ulong Sequence, ByteString Root, long TimeUnixMs);
}
