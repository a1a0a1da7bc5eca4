using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

// Checkpoints: every K sequence numbers each replica signs its state root; 2f + 1 matching make
// the checkpoint stable, which moves the window and lets the log below it go.
public sealed partial class Replica
{
    private readonly SortedDictionary<ulong, Dictionary<int, (ByteString Root, long Time, ConsensusEnvelope Envelope)>> _checkpoints = [];

    private ulong _stableSequence;
    private ByteString _stableRoot = ByteString.Empty;
    private long _stableTime;
    private List<ConsensusEnvelope> _stableProof = [];

    private void SendCheckpoint(ulong sequence, Hash root, long time)
    {
        var checkpoint = new Checkpoint { Sequence = sequence, StateRoot = root.ToByteString(), BatchTimeUnixMs = time };
        var envelope = Seal(new ConsensusMessage { Checkpoint = checkpoint });
        _transport.Broadcast(envelope);
        RecordCheckpoint(_self, envelope, checkpoint);
    }

    /// <summary>
    /// Sends again this replica's checkpoints above the stable one. A checkpoint is sent once, at
    /// execution; with one replica faulty every honest one's is needed for 2f + 1, so one lost
    /// message would leave the checkpoint unstable, the window full and ordering stopped for good.
    /// </summary>
    private void ResendUnstableCheckpoints()
    {
        foreach (var (sequence, votes) in _checkpoints)
        {
            if (sequence > _stableSequence && votes.TryGetValue(_self, out var own))
            {
                _transport.Broadcast(own.Envelope);
            }
        }
    }

    private void OnCheckpoint(int sender, ConsensusEnvelope envelope, Checkpoint checkpoint)
    {
        if (checkpoint.Sequence <= _stableSequence)
        {
            return;
        }
        // One past the epoch's end is the next set's to count, once this replica is in it; it is sent again.
        if (!_validators.IsMember(sender) || checkpoint.Sequence > _epochEnd)
        {
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        if (checkpoint.Sequence % (ulong)_options.CheckpointInterval != 0 || checkpoint.StateRoot.Length != Hash.Size)
        {
            Drops.Increment(DropReason.InvalidCheckpoint);
            return;
        }
        RecordCheckpoint(sender, envelope, checkpoint);
    }

    private void RecordCheckpoint(int sender, ConsensusEnvelope envelope, Checkpoint checkpoint)
    {
        if (!_checkpoints.TryGetValue(checkpoint.Sequence, out var votes))
        {
            _checkpoints[checkpoint.Sequence] = votes = [];
        }
        votes[sender] = (checkpoint.StateRoot, checkpoint.BatchTimeUnixMs, envelope);
        // Each sender keeps only its few latest checkpoints: a Byzantine one cannot fill memory.
        var limit = _options.WindowSize / _options.CheckpointInterval + 2;
        var mine = _checkpoints.Where(c => c.Value.ContainsKey(sender)).Select(c => c.Key).ToList();
        foreach (var old in mine.Take(Math.Max(0, mine.Count - limit)))
        {
            _checkpoints[old].Remove(sender);
        }
        var matching = votes
            .GroupBy(v => (v.Value.Root, v.Value.Time))
            .FirstOrDefault(g => g.Count() >= _validators.Quorum);
        if (matching is null)
        {
            return;
        }
        if (checkpoint.Sequence > LastExecuted)
        {
            NoteAhead(-1, checkpoint.Sequence);
        }
        MakeStable(checkpoint.Sequence, matching.Key.Root, matching.Key.Time, [.. matching.OrderBy(v => v.Key).Select(v => v.Value.Envelope)]);
    }

    /// <summary>Adopts a proven stable checkpoint: moves the low watermark and drops the log, votes and checkpoints below it.</summary>
    private void MakeStable(ulong sequence, ByteString root, long time, List<ConsensusEnvelope> proof)
    {
        if (sequence <= _stableSequence)
        {
            return;
        }
        _stableSequence = sequence;
        _stableRoot = root;
        _stableTime = time;
        _stableProof = proof;
        var record = new StableCheckpointRecord { Sequence = sequence, StateRoot = root, TimeUnixMs = time };
        record.Proof.AddRange(proof);
        _store.Write(StableKey, record.ToByteArray());
        foreach (var old in _slots.Keys.Where(k => k <= sequence).ToList())
        {
            _slots.Remove(old);
        }
        foreach (var old in _checkpoints.Keys.Where(k => k <= sequence).ToList())
        {
            _checkpoints.Remove(old);
        }
        _signer.Forget(vote => vote.Sequence <= sequence);
        if (_nextSequence < sequence)
        {
            _nextSequence = sequence;
            _lastAssignedTime = Math.Max(_lastAssignedTime, time);
        }
        TryAcceptParked(sequence + 1);
        ProposeBatches(force: false);
    }
}
