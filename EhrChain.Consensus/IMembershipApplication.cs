namespace EhrChain.Consensus;

/// <summary>
/// What reconfiguration needs from the chain, beside <see cref="IConsensusApplication"/>; an
/// application that does not implement it keeps the genesis validators for ever.
/// </summary>
public interface IMembershipApplication
{
    /// <summary>
    /// The membership in force after the last executed batch: <see cref="Membership.Validators"/>
    /// order <c>LastExecuted.Sequence + 1</c>. Once the batch at <see cref="Membership.EpochEnd"/>
    /// has executed it already names the next epoch. Read from the replica's loop after each
    /// <see cref="IConsensusApplication.Execute"/> and after a snapshot is installed.
    /// </summary>
    Membership Membership { get; }
}
