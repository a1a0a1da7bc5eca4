using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Query;

internal static class Roles
{
    public static string Name(ParticipantRole role) => role switch
    {
        ParticipantRole.Patient => "patient",
        ParticipantRole.Doctor => "doctor",
        ParticipantRole.Laboratory => "laboratory",
        ParticipantRole.Admin => "admin",
        ParticipantRole.Auditor => "auditor",
        ParticipantRole.Pharmacist => "pharmacist",
        _ => "unknown",
    };
}
