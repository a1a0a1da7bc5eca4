using EhrChain.Core.Wire;

namespace EhrChain.Fhir;

/// <summary>
/// The contract's rule of who appends which kind (docs/contracts.md, UpdateAsset), checked on the
/// client before anything is sent, so that a bundle the node would refuse in part is refused whole.
/// The node still judges every write; this only spares a partial import.
/// </summary>
public static class WriterRoles
{
    /// <summary>Why <paramref name="role"/> may not write <paramref name="kind"/>, or null when it may.</summary>
    public static string? Refusal(ParticipantRole role, EntryKind kind) => role switch
    {
        ParticipantRole.Laboratory => kind == EntryKind.LabResult ? null : "a laboratory imports lab results only",
        ParticipantRole.Doctor => kind == EntryKind.LabResult ? "a doctor imports clinical entries only; lab results come from laboratories" : null,
        ParticipantRole.Patient => kind switch
        {
            EntryKind.LabResult => "a patient imports everything but lab results, which come from laboratories, and prescriptions, which come from doctors",
            EntryKind.Prescription => "a patient imports everything but prescriptions, which come from doctors, and lab results, which come from laboratories",
            _ => null,
        },
        _ => "only a patient, a doctor or a laboratory writes entries",
    };
}
