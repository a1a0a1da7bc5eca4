using EhrChain.Consensus;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Node.Peers;

/// <summary>Joins consensus to the peer transport: envelopes out as bytes, bytes in as envelopes.</summary>
public sealed class ConsensusPeers(PeerTransport transport, Lazy<ConsensusDriver> driver) : IConsensusTransport, IPeerInbox
{
    private long _undecodable;

    public long Undecodable => Interlocked.Read(ref _undecodable);

    public void Send(string validatorId, ConsensusEnvelope envelope) => transport.Send(validatorId, envelope.ToByteArray());

    public void Broadcast(ConsensusEnvelope envelope) => transport.Broadcast(envelope.ToByteArray());

    public void Deliver(string fromValidatorId, ReadOnlyMemory<byte> message)
    {
        ConsensusEnvelope envelope;
        try
        {
            envelope = ConsensusEnvelope.Parser.ParseFrom(message.Span);
        }
        catch (InvalidProtocolBufferException)
        {
            // A peer that sends garbage is counted, never trusted and never fatal.
            Interlocked.Increment(ref _undecodable);
            return;
        }
        driver.Value.Deliver(envelope);
    }
}
