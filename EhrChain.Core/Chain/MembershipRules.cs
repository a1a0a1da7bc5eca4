namespace EhrChain.Core.Chain;

/// <summary>
/// The rules every node and <c>ehrchain verify</c> apply to the validator set, the same for all
/// so that no two replicas disagree on who orders a sequence.
/// </summary>
public static class MembershipRules
{
    /// <summary>PBFT needs at least 3f + 1 = 4 validators to tolerate one fault.</summary>
    public const int MinValidators = 4;

    /// <summary>
    /// A change approved in block s orders sequences after s + ActivationDelay: larger than any
    /// consensus window, so no sequence past the old epoch's end can be ordered by a replica that
    /// has not executed the approval (docs/contracts.md, "Validator changes").
    /// </summary>
    public const ulong ActivationDelay = 256;

    /// <summary>The faults tolerated by n validators: the largest f with 3f + 1 &lt;= n.</summary>
    public static int FaultsOf(int validators) => (validators - 1) / 3;

    /// <summary>
    /// ceil((n + f + 1) / 2): any two quorums share at least f + 1 validators, so at least one
    /// honest one. It is 2f + 1 when n = 3f + 1.
    /// </summary>
    public static int QuorumOf(int validators) => (validators + FaultsOf(validators) + 2) / 2;
}
