using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

/// <summary>
/// Outbound messages to other validators. Sends are fire-and-forget: the protocol tolerates loss,
/// so an implementation may drop a message rather than block the replica. Inbound messages reach
/// the replica through <see cref="ConsensusDriver.Deliver"/>.
/// </summary>
public interface IConsensusTransport
{
    void Send(string validatorId, ConsensusEnvelope envelope);

    /// <summary>Sends to every validator except this one.</summary>
    void Broadcast(ConsensusEnvelope envelope);
}
