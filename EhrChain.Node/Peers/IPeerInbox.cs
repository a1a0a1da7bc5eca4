namespace EhrChain.Node.Peers;

/// <summary>Where messages from authenticated peers go (the consensus driver).</summary>
public interface IPeerInbox
{
    /// <summary>Called from the peer's stream; must not block for long, or that peer's stream backs up.</summary>
    void Deliver(string fromValidatorId, ReadOnlyMemory<byte> message);
}
