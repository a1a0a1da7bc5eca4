using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

/// <summary>
/// Opens envelopes and remembers the ones whose signature checked out, keyed by a hash of sender,
/// body and signature together, so the proofs nested in VIEW-CHANGE and NEW-VIEW (which repeat
/// envelopes the replica has already seen) are not verified again. Thread-safe.
/// </summary>
public sealed class EnvelopeVerifier
{
    private volatile ValidatorSet _validators;
    private readonly int _capacity;
    private readonly ConcurrentDictionary<Hash, byte> _verified = new();
    private readonly ConcurrentQueue<Hash> _order = new();

    public EnvelopeVerifier(ValidatorSet validators, int capacity = 50_000)
    {
        _validators = validators ?? throw new ArgumentNullException(nameof(validators));
        _capacity = capacity;
    }

    /// <summary>The set of the epoch the replica orders in; its directory also opens envelopes of validators outside it.</summary>
    public ValidatorSet Validators => _validators;

    /// <summary>
    /// Switches to another epoch's set. Directory indices never change between sets, so envelopes
    /// already opened under the old one name the same senders.
    /// </summary>
    public void Use(ValidatorSet validators) => _validators = validators ?? throw new ArgumentNullException(nameof(validators));

    public ConsensusMessage? Open(ConsensusEnvelope envelope, out int senderIndex, out DropReason reason)
    {
        if (envelope is null)
        {
            senderIndex = -1;
            reason = DropReason.Malformed;
            return null;
        }
        var key = KeyOf(envelope);
        var validators = _validators;
        if (_verified.ContainsKey(key) && validators.TryGetIndex(envelope.Sender, out senderIndex))
        {
            return Parse(envelope, out reason);
        }
        var message = Envelopes.Open(envelope, validators, out senderIndex, out reason);
        if (message is not null && _verified.TryAdd(key, 0))
        {
            _order.Enqueue(key);
            while (_order.Count > _capacity && _order.TryDequeue(out var old))
            {
                _verified.TryRemove(old, out _);
            }
        }
        return message;
    }

    private static ConsensusMessage? Parse(ConsensusEnvelope envelope, out DropReason reason)
    {
        reason = DropReason.Malformed;
        try
        {
            var message = ConsensusMessage.Parser.ParseFrom(envelope.Body);
            return message.KindCase == ConsensusMessage.KindOneofCase.None ? null : message;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private static Hash KeyOf(ConsensusEnvelope envelope)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(Encoding.UTF8.GetBytes(envelope.Sender));
        sha.AppendData([0]);
        sha.AppendData(envelope.Signature.Span);
        sha.AppendData(envelope.Body.Span);
        Span<byte> digest = stackalloc byte[Hash.Size];
        sha.GetHashAndReset(digest);
        return new Hash(digest);
    }
}
