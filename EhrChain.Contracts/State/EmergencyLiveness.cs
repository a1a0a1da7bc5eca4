using EhrChain.Core.Wire;

namespace EhrChain.Contracts.State;

/// <summary>
/// When an emergency lets its doctor in: not closed and before its expiry. Like grants, it lapses
/// without a transaction, judged at the block time in the executor and at the node's clock in
/// queries.
/// </summary>
public static class EmergencyLiveness
{
    public static bool IsOpen(Emergency emergency, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(emergency);
        return emergency.ClosedUnixMs == 0 && atUnixMs < emergency.ExpiresUnixMs;
    }

    public static bool IsReviewed(Emergency emergency)
    {
        ArgumentNullException.ThrowIfNull(emergency);
        return emergency.Outcome != EmergencyOutcome.Unspecified;
    }

    public static bool IsOverdue(Emergency emergency, long atUnixMs) => !IsReviewed(emergency) && atUnixMs >= emergency.ReviewDueUnixMs;

    /// <summary>Whether the doctor holds a live emergency on the record: the typed queries and chain visibility treat it as a live read grant.</summary>
    public static bool HoldsOpenEmergency(EhrState state, string recordId, string doctorId, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.LatestEmergency(recordId, doctorId) is { } emergency && IsOpen(emergency, atUnixMs);
    }
}
