using EhrChain.Consensus;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Node.Peers;

/// <summary>Consensus's way out to the peers: envelopes leave as bytes on the peer transport.</summary>
public sealed class ConsensusPeers(PeerTransport transport) : IConsensusTransport
{
    public void Send(string validatorId, ConsensusEnvelope envelope) => transport.Send(validatorId, envelope.ToByteArray());

    public void Broadcast(ConsensusEnvelope envelope) => transport.Broadcast(envelope.ToByteArray());
}
