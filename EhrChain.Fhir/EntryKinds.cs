using EhrChain.Core.Wire;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Fhir;

/// <summary>
/// Which entry kind a FHIR resource becomes, and which resource types an entry of a kind may hold.
/// The rules are in docs/fhir.md; anything they do not cover is refused rather than guessed.
/// </summary>
public static class EntryKinds
{
    private const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    private const string ConditionClinical = "http://terminology.hl7.org/CodeSystem/condition-clinical";

    /// <summary>The clinical statuses of the "inactive" branch of condition-clinical: the condition is over.</summary>
    private static readonly HashSet<string> InactiveStatuses = new(StringComparer.Ordinal) { "inactive", "remission", "resolved" };

    /// <summary>The resource types import takes, for messages.</summary>
    public const string Supported = "AllergyIntolerance, Condition, MedicationStatement, MedicationRequest (a prescription), Observation (laboratory or social-history), Encounter";

    /// <summary>The kind <paramref name="resource"/> is stored as; throws naming <paramref name="source"/> when no kind fits.</summary>
    public static EntryKind KindOf(Model.Resource resource, string source) => resource switch
    {
        Model.AllergyIntolerance => EntryKind.Allergy,
        Model.Condition condition => IsOver(condition) ? EntryKind.MedicalHistory : EntryKind.Diagnosis,
        Model.MedicationStatement => EntryKind.Medication,
        Model.MedicationRequest => EntryKind.Prescription,
        Model.Observation observation when HasCategory(observation, "laboratory") => EntryKind.LabResult,
        Model.Observation observation when HasCategory(observation, "social-history") => EntryKind.DangerousHabit,
        Model.Observation => throw new FhirInputException($"{source}: an Observation is imported only with category laboratory (a lab result) or social-history (a dangerous habit)."),
        Model.Encounter => EntryKind.Consultation,
        _ => throw new FhirInputException($"{source}: {resource.TypeName} is not supported; import takes {Supported}."),
    };

    /// <summary>Whether an entry of <paramref name="kind"/> may hold <paramref name="resource"/>: the resource families import writes under each kind.</summary>
    public static bool Holds(EntryKind kind, Model.Resource resource) => (kind, resource) switch
    {
        (EntryKind.Allergy, Model.AllergyIntolerance) => true,
        (EntryKind.Diagnosis or EntryKind.MedicalHistory, Model.Condition) => true,
        (EntryKind.Medication, Model.MedicationStatement) => true,
        (EntryKind.Prescription, Model.MedicationRequest) => true,
        (EntryKind.LabResult or EntryKind.DangerousHabit, Model.Observation) => true,
        (EntryKind.Consultation, Model.Encounter) => true,
        _ => false,
    };

    /// <summary>The kind's name as the CLI spells it (lab-result), used as a code in exported resources.</summary>
    public static string NameOf(EntryKind kind) => kind switch
    {
        EntryKind.Allergy => "allergy",
        EntryKind.Consultation => "consultation",
        EntryKind.MedicalHistory => "medical-history",
        EntryKind.DangerousHabit => "dangerous-habit",
        EntryKind.Diagnosis => "diagnosis",
        EntryKind.Medication => "medication",
        EntryKind.LabResult => "lab-result",
        EntryKind.Note => "note",
        EntryKind.Prescription => "prescription",
        _ => $"kind-{(int)kind}",
    };

    /// <summary>A condition that is over: abated, or with a clinical status in the inactive branch.</summary>
    private static bool IsOver(Model.Condition condition) =>
        condition.Abatement is not null
        || (condition.ClinicalStatus?.Coding.Any(c => c.System == ConditionClinical && c.Code is { } code && InactiveStatuses.Contains(code)) ?? false);

    private static bool HasCategory(Model.Observation observation, string code) =>
        observation.Category.Any(category => category.Coding.Any(c => c.System == ObservationCategory && c.Code == code));
}
