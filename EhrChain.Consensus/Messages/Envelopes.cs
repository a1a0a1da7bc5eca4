using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Consensus;

/// <summary>Seals consensus messages into signed envelopes and opens them, checking the signature over the exact body bytes.</summary>
public static class Envelopes
{
    public static ConsensusEnvelope Seal(string senderId, SigningKeyPair key, ConsensusMessage message)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(message);
        var body = message.ToByteArray();
        return new ConsensusEnvelope
        {
            Sender = senderId,
            Body = UnsafeByteOperations.UnsafeWrap(body),
            Signature = UnsafeByteOperations.UnsafeWrap(key.Sign(SigningDomain.ConsensusMessage, body)),
        };
    }

    /// <summary>Checks sender and signature, then parses the body. Returns null and the reason when any check fails.</summary>
    public static ConsensusMessage? Open(ConsensusEnvelope envelope, ValidatorSet validators, out int senderIndex, out DropReason reason)
    {
        ArgumentNullException.ThrowIfNull(validators);
        senderIndex = -1;
        if (envelope is null)
        {
            reason = DropReason.Malformed;
            return null;
        }
        if (!validators.TryGetIndex(envelope.Sender, out senderIndex))
        {
            reason = DropReason.NotAValidator;
            return null;
        }
        if (!validators.KeyOf(senderIndex).Verify(SigningDomain.ConsensusMessage, envelope.Body.Span, envelope.Signature.Span))
        {
            reason = DropReason.BadSignature;
            return null;
        }
        try
        {
            var message = ConsensusMessage.Parser.ParseFrom(envelope.Body);
            reason = DropReason.Malformed;
            return message.KindCase == ConsensusMessage.KindOneofCase.None ? null : message;
        }
        catch (InvalidProtocolBufferException)
        {
            reason = DropReason.Malformed;
            return null;
        }
    }
}
