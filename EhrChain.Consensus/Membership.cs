namespace EhrChain.Consensus;

/// <summary>
/// Who orders the next sequence: the epoch, its validators, and the change already approved, if
/// any, that replaces them after <see cref="EpochEnd"/>.
/// </summary>
public sealed record Membership(ulong Epoch, ValidatorSet Validators, ulong EpochEnd, ValidatorSet? Next)
{
    /// <summary>The <see cref="EpochEnd"/> of an epoch with no change scheduled.</summary>
    public const ulong Open = ulong.MaxValue;

    public static Membership Initial(ValidatorSet validators) => new(0, validators, Open, null);
}
