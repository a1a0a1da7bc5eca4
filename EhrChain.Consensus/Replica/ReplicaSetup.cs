using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;

namespace EhrChain.Consensus;

/// <summary>Everything a <see cref="Replica"/> is built from.</summary>
public sealed record ReplicaSetup(
    ValidatorSet Validators,
    string SelfId,
    SigningKeyPair Key,
    ConsensusOptions Options,
    IConsensusTransport Transport,
    IConsensusApplication Application,
    IConsensusStore Store,
    TimeProvider Time,
    long GenesisTimeUnixMs)
{
    /// <summary>Shared with the driver, which opens envelopes off the loop; one is made when absent.</summary>
    public EnvelopeVerifier? EnvelopeVerifier { get; init; }

    /// <summary>Shared with the driver, which checks requests off the loop; one is made when absent.</summary>
    public RequestVerifier? RequestVerifier { get; init; }
}
