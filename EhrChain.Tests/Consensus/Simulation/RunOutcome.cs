namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// What one random run found, safety and liveness apart: a safety failure (two replicas disagree,
/// a chain fails verification, a store after a crash holds what the durability contract forbids)
/// is a bug whatever the schedule; a liveness failure means some accepted request did not commit
/// within the bound after the network healed.
/// </summary>
/// <see cref="BlockIdentity"/> says the honest replicas stored the same content in blocks that are
/// not byte-identical: a known defect (see docs/reliability.md), reported but not yet a failure.
/// <see cref="Fingerprint"/> sums up the schedule (final height, deliveries, simulated time), so a replay can be checked to be the same run.
internal sealed record RunOutcome(int Seed, string Profile, string? Safety, string? Liveness, string? BlockIdentity, TimeSpan? ConvergedAfter, string Crashes, string Fingerprint)
{
    public bool Passed => Safety is null && Liveness is null;

    public string? Failure => Safety is not null ? "safety violated: " + Safety
        : Liveness is not null ? "liveness violated: " + Liveness
        : null;
}
