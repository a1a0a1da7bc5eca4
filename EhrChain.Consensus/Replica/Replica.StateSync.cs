using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

// State sync: every SnapshotInterval sequence numbers each replica builds a snapshot of its state
// off the loop and broadcasts a signed attestation of its digest; 2f + 1 matching attestations
// certify it. A replica more than StateSyncDistance behind a peer asks for the certified snapshot,
// checks the attestations and the base block's commit certificate, fetches the chunks one at a
// time (each checked against the manifest by the application) and installs it, then catches up
// by batches from the snapshot height on. See docs/consensus.md, "State sync".
public sealed partial class Replica
{
    private const string CertifiedSnapshotKey = "snapshot/certified";

    private readonly SortedSet<ulong> _snapshotsBuilding = [];
    private readonly Dictionary<ulong, SnapshotManifest> _ownSnapshots = [];
    private readonly SortedDictionary<ulong, Dictionary<int, (Hash Digest, ConsensusEnvelope Envelope)>> _attestations = [];
    private SnapshotOffer? _certified;
    private ulong? _previousServed;
    private StateSyncTransfer? _transfer;
    private Queue<int>? _startProbes;

    private IStateSyncApplication? StateSync => _options.SnapshotInterval > 0 ? _application as IStateSyncApplication : null;

    /// <summary>The height of the latest certified snapshot this replica knows of; 0 when none.</summary>
    public ulong CertifiedSnapshot => CertifiedSequence(_certified);

    /// <summary>True while a snapshot is being fetched: batch catch-up waits for it.</summary>
    private bool StateSyncBusy => _transfer is not null;

    /// <summary>Bytes of snapshot chunks this replica installed since it started.</summary>
    public ulong StateSyncBytesReceived { get; private set; }

    /// <summary>Why the last snapshot offer, chunk or install was refused, for logs and tests; null when none was.</summary>
    public string? LastStateSyncRefusal { get; private set; }

    private void RefuseStateSync(string reason)
    {
        Drops.Increment(DropReason.InvalidStateSync);
        LastStateSyncRefusal = reason;
    }

    /// <summary>Snapshots this replica installed since it started.</summary>
    public int SnapshotsInstalled { get; private set; }

    private void RestoreStateSync()
    {
        if (_store.Read(CertifiedSnapshotKey) is { } bytes)
        {
            _certified = SnapshotOffer.Parser.ParseFrom(bytes);
            // The application may not have kept the snapshot over a restart; then this replica cannot serve it.
            if (_certified.Manifest is { } manifest && StateSync?.PreparedSnapshot(manifest.Height) is null)
            {
                _certified.Manifest = null;
            }
            RetainSnapshots();
        }
    }

    /// <summary>After batch <paramref name="sequence"/> executed: starts its snapshot when one is due.</summary>
    private void OnExecutedForStateSync(ulong sequence)
    {
        // A replica catching up passes intervals already certified without it: building those
        // would cost a full read of the store each, for snapshots nobody needs any more.
        if (StateSync is not { } app || !Participates || sequence % (ulong)_options.SnapshotInterval != 0 || sequence < CertifiedSequence(_certified))
        {
            return;
        }
        _snapshotsBuilding.Add(sequence);
        app.PrepareSnapshot(sequence);
        AttestBuiltSnapshots();
    }

    /// <summary>Sends the attestation of every snapshot finished since the last look, and retries a stalled transfer.</summary>
    private void OnStateSyncTick()
    {
        AttestBuiltSnapshots();
        if (_transfer is not { } transfer || _time.GetElapsedTime(transfer.SentAt) <= (transfer.Manifest is null ? OfferPatience : 2 * _options.StatusInterval))
        {
            return;
        }
        if (transfer.Manifest is null)
        {
            _transfer = null;
            if (!ProbeNextAtStart())
            {
                MaybeFetch();
            }
            return;
        }
        // The peer went quiet: ask the next attester for the same chunk; what arrived is kept.
        RetryChunkElsewhere(transfer);
    }

    private void AttestBuiltSnapshots()
    {
        if (StateSync is not { } app)
        {
            return;
        }
        foreach (var sequence in _snapshotsBuilding.ToList())
        {
            if (app.PreparedSnapshot(sequence) is not { } manifest)
            {
                continue;
            }
            _snapshotsBuilding.Remove(sequence);
            var digest = SnapshotDigest.Of(manifest);
            var certified = CertifiedSequence(_certified);
            if (sequence <= certified)
            {
                // Certified by the others before this one was built: serve it if it is the same snapshot.
                if (sequence == certified && _certified!.Manifest is null && CertifiedDigest(_certified) == digest)
                {
                    _certified.Manifest = manifest;
                    _store.Write(CertifiedSnapshotKey, _certified.ToByteArray());
                }
                RetainSnapshots();
                continue;
            }
            _ownSnapshots[sequence] = manifest;
            var attestation = new SnapshotAttestation
            {
                Sequence = sequence,
                StateRoot = manifest.StateRoot,
                SnapshotDigest = digest.ToByteString(),
                ChunkCount = (uint)manifest.ChunkHashes.Count,
                TotalBytes = manifest.TotalBytes,
            };
            var envelope = Seal(new ConsensusMessage { SnapshotAttestation = attestation });
            _transport.Broadcast(envelope);
            RecordAttestation(_self, envelope, attestation);
        }
    }

    private bool OnStateSyncMessage(int sender, ConsensusEnvelope envelope, ConsensusMessage message)
    {
        switch (message.KindCase)
        {
            case ConsensusMessage.KindOneofCase.SnapshotAttestation:
                OnSnapshotAttestation(sender, envelope, message.SnapshotAttestation);
                return true;
            case ConsensusMessage.KindOneofCase.SnapshotOfferRequest:
                OnSnapshotOfferRequest(sender, message.SnapshotOfferRequest);
                return true;
            case ConsensusMessage.KindOneofCase.SnapshotOffer:
                OnSnapshotOffer(sender, message.SnapshotOffer);
                return true;
            case ConsensusMessage.KindOneofCase.SnapshotChunkRequest:
                OnSnapshotChunkRequest(sender, message.SnapshotChunkRequest);
                return true;
            case ConsensusMessage.KindOneofCase.SnapshotChunkResponse:
                OnSnapshotChunkResponse(sender, message.SnapshotChunkResponse);
                return true;
            default:
                return false;
        }
    }

    private void OnSnapshotAttestation(int sender, ConsensusEnvelope envelope, SnapshotAttestation attestation)
    {
        if (attestation.Sequence <= CertifiedSequence(_certified))
        {
            return;
        }
        if (attestation.Sequence > _epochEnd)
        {
            Drops.Increment(DropReason.NotAValidator);
            return;
        }
        if (attestation.Sequence == 0 || attestation.Sequence % (ulong)_options.SnapshotInterval != 0
            || attestation.SnapshotDigest.Length != Hash.Size || attestation.StateRoot.Length != Hash.Size || attestation.ChunkCount == 0)
        {
            RefuseStateSync($"a malformed attestation from {_validators.IdOf(sender)}");
            return;
        }
        RecordAttestation(sender, envelope, attestation);
    }

    private void RecordAttestation(int sender, ConsensusEnvelope envelope, SnapshotAttestation attestation)
    {
        if (!_attestations.TryGetValue(attestation.Sequence, out var votes))
        {
            _attestations[attestation.Sequence] = votes = [];
        }
        votes[sender] = (Hash.FromByteString(attestation.SnapshotDigest), envelope);
        // Each sender keeps only its two latest attestations: a Byzantine one cannot fill memory.
        var mine = _attestations.Where(a => a.Value.ContainsKey(sender)).Select(a => a.Key).ToList();
        foreach (var old in mine.Take(Math.Max(0, mine.Count - 2)))
        {
            _attestations[old].Remove(sender);
        }
        var matching = votes.GroupBy(v => v.Value.Digest).FirstOrDefault(g => g.Count() >= _validators.Quorum);
        if (matching is null)
        {
            return;
        }
        var offer = new SnapshotOffer();
        offer.Attestations.AddRange(matching.OrderBy(v => v.Key).Select(v => v.Value.Envelope));
        // Only a replica whose own snapshot has the certified digest can serve its chunks.
        if (_ownSnapshots.TryGetValue(attestation.Sequence, out var own) && SnapshotDigest.Of(own) == matching.Key)
        {
            offer.Manifest = own;
        }
        // The snapshot served until now stays one interval longer, so transfers of it can finish.
        _previousServed = _certified?.Manifest?.Height;
        _certified = offer;
        _store.Write(CertifiedSnapshotKey, offer.ToByteArray());
        foreach (var old in _attestations.Keys.Where(k => k <= attestation.Sequence).ToList())
        {
            _attestations.Remove(old);
        }
        foreach (var old in _ownSnapshots.Keys.Where(k => k < attestation.Sequence).ToList())
        {
            _ownSnapshots.Remove(old);
        }
        RetainSnapshots();
    }

    /// <summary>Keeps the certified snapshot (to serve) and the ones still being attested; the application releases the rest.</summary>
    private void RetainSnapshots()
    {
        var keep = _ownSnapshots.Keys.Concat(_snapshotsBuilding).ToList();
        if (_certified?.Manifest is { } manifest)
        {
            keep.Add(manifest.Height);
        }
        if (_previousServed is { } previous)
        {
            keep.Add(previous);
        }
        StateSync?.RetainSnapshots(keep.Distinct().ToList());
    }

    private static ulong CertifiedSequence(SnapshotOffer? offer) => FirstAttestation(offer)?.Sequence ?? 0;

    private static Hash CertifiedDigest(SnapshotOffer offer) => Hash.FromByteString(FirstAttestation(offer)!.SnapshotDigest);

    // The offer's envelopes were opened and checked when it was certified; they are only read here.
    private static SnapshotAttestation? FirstAttestation(SnapshotOffer? offer) =>
        offer is null || offer.Attestations.Count == 0 ? null : ConsensusMessage.Parser.ParseFrom(offer.Attestations[0].Body).SnapshotAttestation;

    /// <summary>
    /// At start, before fetching any batch, one peer is asked whether it serves a snapshot at least
    /// StateSyncDistance ahead: a node started on an empty or old store would otherwise replay batches
    /// for as long as the first statuses take to arrive. A quiet peer costs one status interval.
    /// </summary>
    private void ProbeStateSyncAtStart()
    {
        if (StateSync is null)
        {
            return;
        }
        // Every member is asked in turn until one offers: one peer may not serve the certified
        // snapshot yet (its own build is still running), and replaying instead is what state sync avoids.
        var members = _validators.Members.ToList();
        var start = members.IndexOf(_self) + 1;
        _startProbes = new Queue<int>(Enumerable.Range(0, members.Count).Select(i => members[(start + i) % members.Count]).Where(m => m != _self));
        ProbeNextAtStart();
    }

    /// <summary>
    /// How long an offer may take: a peer's link back to a node that was down is often still in its
    /// reconnect backoff when the node starts, so the answer can lag the question by seconds.
    /// </summary>
    private TimeSpan OfferPatience => TimeSpan.FromTicks(2 * Math.Max(_options.StatusInterval.Ticks, _options.ViewChangeTimeout.Ticks));

    /// <summary>Asks the next peer of the start probe; false when every one was asked.</summary>
    private bool ProbeNextAtStart()
    {
        if (_startProbes is not { Count: > 0 } probes)
        {
            _startProbes = null;
            return false;
        }
        var peer = probes.Dequeue();
        _transfer = new StateSyncTransfer(peer, _time.GetTimestamp());
        _transport.Send(_validators.IdOf(peer), Seal(new ConsensusMessage
        {
            SnapshotOfferRequest = new SnapshotOfferRequest { AboveSequence = LastExecuted + (ulong)_options.StateSyncDistance - 1 },
        }));
        return true;
    }

    /// <summary>A peer reports it executed far beyond this replica: a snapshot beats replaying every batch.</summary>
    private void ConsiderStateSync(int sender, ulong peerExecuted)
    {
        if (StateSync is null || _transfer is not null || peerExecuted < LastExecuted + (ulong)_options.StateSyncDistance)
        {
            return;
        }
        _transfer = new StateSyncTransfer(sender, _time.GetTimestamp());
        _transport.Send(_validators.IdOf(sender), Seal(new ConsensusMessage
        {
            SnapshotOfferRequest = new SnapshotOfferRequest { AboveSequence = LastExecuted },
        }));
    }

    private void OnSnapshotOfferRequest(int sender, SnapshotOfferRequest request)
    {
        var offer = _certified is { Manifest: { } manifest } certified && manifest.Height > request.AboveSequence
            ? certified.Clone()
            : new SnapshotOffer();
        if (offer.Manifest is { } served)
        {
            offer.BaseCertificate = _application.ReadCommitted(served.Height, 1) is [{ } batch] && batch.Sequence == served.Height ? batch.Certificate : null;
            if (offer.BaseCertificate is null)
            {
                offer = new SnapshotOffer();
            }
        }
        _transport.Send(_validators.IdOf(sender), Seal(new ConsensusMessage { SnapshotOffer = offer }));
    }

    private void OnSnapshotOffer(int sender, SnapshotOffer offer)
    {
        // An offer that arrives after its question timed out is as good as one on time: what
        // makes it acceptable is its attestations, checked below, not having been asked for.
        if (_transfer is null && offer.Manifest is { } late && late.Height >= LastExecuted + (ulong)_options.StateSyncDistance)
        {
            _transfer = new StateSyncTransfer(sender, _time.GetTimestamp());
            _startProbes = null;
        }
        if (_transfer is not { Manifest: null } transfer || transfer.Peer != sender)
        {
            RefuseStateSync($"an offer from {_validators.IdOf(sender)} that was not asked for");
            return;
        }
        if (offer.Manifest is null)
        {
            // This peer has nothing to serve: the next one of the start probe, else batch catch-up.
            _transfer = null;
            if (!ProbeNextAtStart())
            {
                MaybeFetch();
            }
            return;
        }
        _startProbes = null;
        var reason = CheckOffer(offer, out var attestation);
        if (reason is null && StateSync!.BeginInstall(offer.Manifest, Hash.FromByteString(attestation.SnapshotDigest)) is { } refused)
        {
            reason = refused;
        }
        if (reason is not null)
        {
            RefuseStateSync($"the offer from {_validators.IdOf(sender)}: {reason}");
            _transfer = null;
            MaybeFetch();
            return;
        }
        transfer.Accept(offer, offer.Attestations.Select(a => _validators.TryGetIndex(a.Sender, out var i) ? i : -1).Where(i => i >= 0 && i != _self));
        RequestChunk(transfer);
    }

    private string? CheckOffer(SnapshotOffer offer, out SnapshotAttestation attestation)
    {
        if (!SnapshotCertificates.Verify(offer.Attestations, _validators, out attestation, out var reason))
        {
            return reason;
        }
        if (attestation.Sequence <= LastExecuted)
        {
            return "the snapshot is not ahead of this replica";
        }
        if (attestation.Sequence > _epochEnd)
        {
            return "the snapshot is past the end of this replica's epoch, whose set cannot vouch for it";
        }
        var manifest = offer.Manifest;
        if (manifest.Height != attestation.Sequence || manifest.StateRoot != attestation.StateRoot
            || manifest.ChunkHashes.Count != attestation.ChunkCount || manifest.TotalBytes != attestation.TotalBytes)
        {
            return "the manifest is not the attested one";
        }
        if (offer.BaseCertificate is not { } certificate
            || !CommitCertificates.Verify(certificate, _validators, attestation.Sequence, Hash.FromByteString(certificate.BatchDigest), out reason))
        {
            return "the base block's commit certificate does not verify";
        }
        return null;
    }

    private void RequestChunk(StateSyncTransfer transfer)
    {
        transfer.SentAt = _time.GetTimestamp();
        _transport.Send(_validators.IdOf(transfer.Peer), Seal(new ConsensusMessage
        {
            SnapshotChunkRequest = new SnapshotChunkRequest { Sequence = transfer.Manifest!.Height, Index = (uint)transfer.NextChunk },
        }));
    }

    private void OnSnapshotChunkRequest(int sender, SnapshotChunkRequest request)
    {
        // Any retained snapshot is served, not only the latest certified one: a transfer that
        // began before a newer snapshot was certified can still finish.
        var data = request.Index <= int.MaxValue ? StateSync?.ReadSnapshotChunk(request.Sequence, (int)request.Index) : null;
        _transport.Send(_validators.IdOf(sender), Seal(new ConsensusMessage
        {
            SnapshotChunkResponse = new SnapshotChunkResponse
            {
                Sequence = request.Sequence,
                Index = request.Index,
                Data = data is null ? ByteString.Empty : UnsafeByteOperations.UnsafeWrap(data),
            },
        }));
    }

    private void OnSnapshotChunkResponse(int sender, SnapshotChunkResponse response)
    {
        if (_transfer is not { Manifest: { } manifest } transfer || transfer.Peer != sender
            || response.Sequence != manifest.Height || response.Index != (uint)transfer.NextChunk)
        {
            RefuseStateSync($"a chunk from {_validators.IdOf(sender)} that was not asked for");
            return;
        }
        if (response.Data.IsEmpty)
        {
            transfer.EmptyAnswers++;
            RetryChunkElsewhere(transfer);
            return;
        }
        if (StateSync!.InstallChunk(transfer.NextChunk, response.Data.Memory) is { } refused)
        {
            // A bad chunk: the next attester is asked for it; what was installed before stays.
            RefuseStateSync($"chunk {transfer.NextChunk} from {_validators.IdOf(sender)}: {refused}");
            RetryChunkElsewhere(transfer);
            return;
        }
        transfer.EmptyAnswers = 0;
        StateSyncBytesReceived += (ulong)response.Data.Length;
        transfer.NextChunk++;
        if (transfer.NextChunk < manifest.ChunkHashes.Count)
        {
            RequestChunk(transfer);
            return;
        }
        FinishInstall(transfer);
    }

    private void RetryChunkElsewhere(StateSyncTransfer transfer)
    {
        if (transfer.EmptyAnswers >= transfer.Servers)
        {
            // No attester keeps this snapshot any longer: drop it; the next status asks for a newer one.
            StateSync!.AbandonInstall();
            _transfer = null;
            MaybeFetch();
            return;
        }
        transfer.NextPeer();
        RequestChunk(transfer);
    }

    private void FinishInstall(StateSyncTransfer transfer)
    {
        _transfer = null;
        // Batches fetched while the transfer ran may have overtaken the snapshot.
        var refused = transfer.Manifest!.Height <= LastExecuted ? "batches fetched meanwhile overtook it" : StateSync!.CompleteInstall(transfer.Offer!.BaseCertificate);
        if (refused is not null)
        {
            RefuseStateSync($"the install of the snapshot at {transfer.Manifest.Height}: {refused}");
            StateSync!.AbandonInstall();
            MaybeFetch();
            return;
        }
        SnapshotsInstalled++;
        var sequence = transfer.Manifest.Height;
        FollowMembership();
        _certified = transfer.Offer!.Clone();
        _certified.Manifest = null;
        _certified.BaseCertificate = null;
        _store.Write(CertifiedSnapshotKey, _certified.ToByteArray());
        foreach (var old in _ready.Keys.Where(k => k <= sequence).ToList())
        {
            _ready.Remove(old);
        }
        _nextSequence = Math.Max(_nextSequence, sequence);
        _lastAssignedTime = Math.Max(_lastAssignedTime, _application.LastExecuted.TimeUnixMs);
        RememberRecentlyCommitted(sequence);
        TryAcceptParked(sequence + 1);
        MaybeFetch();
    }

    /// <summary>One snapshot transfer: the offer being fetched, the chunk asked for next, and which attester is asked.</summary>
    private sealed class StateSyncTransfer(int peer, long sentAt)
    {
        private List<int> _servers = [];

        public int Peer { get; private set; } = peer;
        public long SentAt { get; set; } = sentAt;
        public SnapshotOffer? Offer { get; private set; }
        public SnapshotManifest? Manifest => Offer?.Manifest;
        public int NextChunk { get; set; }

        public int Servers => _servers.Count;
        public int EmptyAnswers { get; set; }

        public void Accept(SnapshotOffer offer, IEnumerable<int> servers)
        {
            Offer = offer;
            _servers = [Peer, .. servers.Where(s => s != Peer)];
        }

        public void NextPeer()
        {
            if (_servers.Count > 1)
            {
                _servers.Add(_servers[0]);
                _servers.RemoveAt(0);
                Peer = _servers[0];
            }
        }
    }
}
