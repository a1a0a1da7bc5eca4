using EhrChain.Core.Crypto;

namespace EhrChain.Consensus;

/// <summary>
/// The validators in force after the last executed batch, as the chain records them: epoch
/// <see cref="Epoch"/> orders from <see cref="FirstSequence"/> to <see cref="EpochEnd"/> with
/// <see cref="Validators"/>; once a change is approved, <see cref="Next"/> orders after it.
/// </summary>
public sealed record Membership(
    ulong Epoch,
    ulong FirstSequence,
    IReadOnlyList<(string Id, SigningPublicKey Key)> Validators,
    ulong EpochEnd,
    IReadOnlyList<(string Id, SigningPublicKey Key)>? Next)
{
    /// <summary>The <see cref="EpochEnd"/> of an epoch with no change scheduled.</summary>
    public const ulong Open = ulong.MaxValue;
}

/// <summary>
/// What an application whose chain can change its validators tells consensus; one that does not
/// implement it keeps its starting validators for good. Read on the replica's loop after every
/// executed batch, so it must be cheap.
/// </summary>
public interface IMembershipApplication
{
    /// <summary>The membership after the last executed batch: once batch <c>EpochEnd</c> executed, already the next epoch's.</summary>
    Membership Membership { get; }
}
