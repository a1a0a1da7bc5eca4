using System.Buffers.Binary;
using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// A toy chain that changes its validators as the EHR chain does, for consensus tests without the
/// contract engine: a change request names the next set by index; the first one executed while
/// nothing is scheduled schedules it for <see cref="MembershipRules.ActivationDelay"/> sequences
/// later, and the epoch rolls over after that sequence executes. It keeps every epoch's set and
/// first sequence, so a test can check each certificate against the set that made it.
/// </summary>
internal sealed class EpochApplication : IConsensusApplication, IMembershipApplication
{
    private const byte ChangeMarker = 0xEC;

    private readonly SigningPublicKey _clientKey;
    private readonly IReadOnlyList<(string Id, SigningPublicKey Key)> _all;
    private readonly long _genesisTimeUnixMs;
    private readonly List<(CommittedBatch Batch, Hash Root)> _chain = [];
    private readonly List<(ulong Epoch, ulong FirstSequence, int[] Members)> _epochs;
    private ulong _epochEnd = Membership.Open;
    private int[]? _next;

    public EpochApplication(SigningPublicKey clientKey, IReadOnlyList<(string Id, SigningPublicKey Key)> all, int startingValidators, long genesisTimeUnixMs)
    {
        _clientKey = clientKey;
        _all = all;
        _genesisTimeUnixMs = genesisTimeUnixMs;
        _epochs = [(0, 1, Enumerable.Range(0, startingValidators).ToArray())];
    }

    public IReadOnlyList<CommittedBatch> Chain => _chain.Select(c => c.Batch).ToList();

    /// <summary>Every epoch so far: its number, the first sequence it ordered and its members' indices.</summary>
    public IReadOnlyList<(ulong Epoch, ulong FirstSequence, int[] Members)> Epochs => _epochs;

    public ExecutedHead LastExecuted => _chain.Count == 0
        ? new ExecutedHead(0, _genesisTimeUnixMs, Hash.Zero)
        : new ExecutedHead((ulong)_chain.Count, _chain[^1].Batch.TimeUnixMs, _chain[^1].Root);

    public Membership Membership
    {
        get
        {
            var (epoch, first, members) = _epochs[^1];
            return new Membership(epoch, first, members.Select(i => _all[i]).ToList(), _epochEnd, _next?.Select(i => _all[i]).ToList());
        }
    }

    public string? ValidateRequest(ByteString request) => SimRequests.Validate(_clientKey, request);

    public Hash Execute(CommittedBatch batch)
    {
        var head = LastExecuted;
        if (batch.Sequence != head.Sequence + 1)
        {
            throw new InvalidOperationException($"sequence {batch.Sequence} after {head.Sequence}");
        }
        var digest = ConsensusHashing.BatchDigest(batch.TimeUnixMs, batch.Requests);
        var root = Hash.Compute(head.StateRoot.ToArray(), digest.ToArray());
        _chain.Add((batch, root));
        foreach (var request in batch.Requests)
        {
            if (_next is null && TryReadChange(request, out var members))
            {
                _next = members;
                _epochEnd = batch.Sequence + MembershipRules.ActivationDelay;
            }
        }
        if (batch.Sequence == _epochEnd)
        {
            _epochs.Add((_epochs[^1].Epoch + 1, batch.Sequence + 1, _next!));
            _next = null;
            _epochEnd = Membership.Open;
        }
        return root;
    }

    public IReadOnlyList<CommittedBatch> ReadCommitted(ulong fromSequence, int maxCount) =>
        _chain.Skip((int)Math.Max(0, (long)fromSequence - 1)).Take(maxCount).Select(c => c.Batch).ToList();

    /// <summary>A signed request asking for the validators at <paramref name="members"/> (indices), made unique by <paramref name="nonce"/>.</summary>
    public static ByteString ChangeRequest(SigningKeyPair client, IReadOnlyList<int> members, int nonce)
    {
        var payload = new byte[2 + members.Count + 4];
        payload[0] = ChangeMarker;
        payload[1] = (byte)members.Count;
        for (var i = 0; i < members.Count; i++)
        {
            payload[2 + i] = (byte)members[i];
        }
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(2 + members.Count), nonce);
        return SimRequests.Sign(client, payload);
    }

    private static bool TryReadChange(ByteString request, out int[] members)
    {
        var span = request.Span;
        members = [];
        if (span.Length < 6 || span[4] != ChangeMarker || span.Length < 6 + span[5])
        {
            return false;
        }
        members = span.Slice(6, span[5]).ToArray().Select(b => (int)b).ToArray();
        return true;
    }
}
