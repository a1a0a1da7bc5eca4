namespace EhrChain.Consensus;

/// <summary>The outcome of handing a request to the replica; the node maps these to gRPC status codes.</summary>
public enum SubmitResult
{
    Accepted,
    /// <summary>Already pending; nothing changed.</summary>
    Duplicate,
    /// <summary>Already executed; it will not be ordered again.</summary>
    AlreadyCommitted,
    /// <summary>Failed <see cref="IConsensusApplication.ValidateRequest"/> or is too large.</summary>
    Invalid,
    /// <summary>The pending pool is full (RESOURCE_EXHAUSTED).</summary>
    PoolFull,
}
