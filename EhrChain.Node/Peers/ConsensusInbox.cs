using EhrChain.Consensus;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Node.Peers;

/// <summary>
/// Consensus's way in from the peers: bytes from an authenticated peer become an envelope for the
/// driver. Apart from <see cref="ConsensusPeers"/>, so the driver (which sends through that) and
/// this (which delivers to the driver) are built in order, without a lazy link between them.
/// </summary>
public sealed class ConsensusInbox(ConsensusDriver driver) : IPeerInbox
{
    private long _undecodable;

    /// <summary>Messages from peers that were not consensus envelopes.</summary>
    public long Undecodable => Interlocked.Read(ref _undecodable);

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
        driver.Deliver(envelope);
    }
}
