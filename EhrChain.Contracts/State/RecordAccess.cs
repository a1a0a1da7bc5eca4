using EhrChain.Core.Wire;

namespace EhrChain.Contracts.State;

/// <summary>
/// Who may read a record now: its owner, a participant holding a live grant on it, or a doctor
/// with an open break-glass emergency on it (who decrypts only once k trustees released). The one
/// rule behind both the typed record queries and which chain transactions a reader sees, so they
/// cannot drift apart. <c>atUnixMs</c> is the reading node's clock, as for <see cref="GrantLiveness"/>.
/// </summary>
public static class RecordAccess
{
    public static bool MayRead(EhrState state, MedicalRecord record, string readerId, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.OwnerId == readerId || HoldsLiveGrant(state, record.Id, readerId, atUnixMs)
            || EmergencyLiveness.HoldsOpenEmergency(state, record.Id, readerId, atUnixMs);
    }

    public static bool HoldsLiveGrant(EhrState state, string recordId, string granteeId, long atUnixMs)
    {
        ArgumentNullException.ThrowIfNull(state);
        return state.Grant(recordId, granteeId) is { } grant && GrantLiveness.IsLive(grant, atUnixMs);
    }
}
