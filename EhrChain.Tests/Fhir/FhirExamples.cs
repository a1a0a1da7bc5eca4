using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>
/// Example resources written for these tests, one or two of each kind import takes, with the
/// fields a hospital's system fills in (codes, statuses, dates, a quantity with a reference range).
/// </summary>
internal static class FhirExamples
{
    private const string Snomed = "http://snomed.info/sct";
    private const string Loinc = "http://loinc.org";
    private const string RxNorm = "http://www.nlm.nih.gov/research/umls/rxnorm";
    private const string Ucum = "http://unitsofmeasure.org";
    private static readonly ResourceReference Patient = new("Patient/example", "Ada Lovelace");

    public static AllergyIntolerance PenicillinAllergy() => new()
    {
        Id = "allergy-penicillin",
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active"),
        VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/allergyintolerance-verification", "confirmed"),
        Type = AllergyIntolerance.AllergyIntoleranceType.Allergy,
        Category = [AllergyIntolerance.AllergyIntoleranceCategory.Medication],
        Criticality = AllergyIntolerance.AllergyIntoleranceCriticality.High,
        Code = new CodeableConcept(RxNorm, "7980", "Penicillin G"),
        Patient = Patient,
        Onset = new FhirDateTime("2019-03-01"),
        Reaction =
        [
            new AllergyIntolerance.ReactionComponent
            {
                Manifestation = [new CodeableConcept(Snomed, "39579001", "Anaphylaxis")],
                Severity = AllergyIntolerance.AllergyIntoleranceSeverity.Severe,
            },
        ],
    };

    public static Condition ActiveAngina() => new()
    {
        Id = "condition-angina",
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
        VerificationStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed"),
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-category", "encounter-diagnosis", "Encounter Diagnosis")],
        Code = new CodeableConcept(Snomed, "233819005", "Stable angina"),
        Subject = Patient,
        Onset = new FhirDateTime("2026-11-02"),
        RecordedDate = "2026-11-03",
    };

    public static Condition ResolvedAppendicitis() => new()
    {
        Id = "condition-appendicitis",
        ClinicalStatus = new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "resolved"),
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-category", "problem-list-item")],
        Code = new CodeableConcept(Snomed, "74400008", "Appendicitis"),
        Subject = Patient,
        Onset = new FhirDateTime("2001-05-10"),
        Abatement = new FhirDateTime("2001-05-20"),
    };

    public static MedicationStatement Amlodipine() => new()
    {
        Id = "medication-amlodipine",
        Status = MedicationStatement.MedicationStatusCodes.Active,
        Medication = new CodeableConcept(RxNorm, "197361", "Amlodipine 5 MG Oral Tablet"),
        Subject = Patient,
        Effective = new Period { Start = "2026-11-03" },
        Dosage = [new Dosage { Text = "5 mg by mouth once daily" }],
    };

    /// <summary>A prescription: imported as a PRESCRIPTION entry, which only a doctor writes.</summary>
    public static MedicationRequest AmoxicillinPrescription() => new()
    {
        Id = "prescription-amoxicillin",
        Status = MedicationRequest.MedicationrequestStatus.Active,
        Intent = MedicationRequest.MedicationRequestIntent.Order,
        Medication = new CodeableConcept(RxNorm, "308191", "Amoxicillin 500 MG Oral Capsule"),
        Subject = Patient,
        AuthoredOnElement = new FhirDateTime("2026-11-03"),
        DosageInstruction = [new Dosage { Text = "500 mg by mouth three times daily for 7 days" }],
    };

    public static Observation GlucoseLab() => new()
    {
        Id = "lab-glucose",
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "laboratory", "Laboratory")],
        Code = new CodeableConcept(Loinc, "2345-7", "Glucose [Mass/volume] in Serum or Plasma"),
        Subject = Patient,
        Effective = new FhirDateTime("2026-11-03T08:30:00Z"),
        Value = new Quantity { Value = 5.40m, Unit = "mmol/L", System = Ucum, Code = "mmol/L" },
        Interpretation = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "N", "Normal")],
        ReferenceRange =
        [
            new Observation.ReferenceRangeComponent
            {
                Low = new Quantity { Value = 3.9m, Unit = "mmol/L", System = Ucum, Code = "mmol/L" },
                High = new Quantity { Value = 5.6m, Unit = "mmol/L", System = Ucum, Code = "mmol/L" },
            },
        ],
    };

    public static Observation Smoking() => new()
    {
        Id = "social-smoking",
        Status = ObservationStatus.Final,
        Category = [new CodeableConcept("http://terminology.hl7.org/CodeSystem/observation-category", "social-history", "Social History")],
        Code = new CodeableConcept(Loinc, "72166-2", "Tobacco smoking status"),
        Subject = Patient,
        Effective = new FhirDateTime("2026-11-03"),
        Value = new CodeableConcept(Snomed, "77176002", "Smoker"),
    };

    public static Encounter Consultation() => new()
    {
        Id = "encounter-cardiology",
        Status = Encounter.EncounterStatus.Finished,
        Class = new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"),
        Type = [new CodeableConcept(Snomed, "11429006", "Consultation")],
        Subject = Patient,
        Period = new Period { Start = "2026-11-03T09:00:00Z", End = "2026-11-03T09:30:00Z" },
        ReasonCode = [new CodeableConcept { Text = "Chest pain on exertion" }],
    };

    /// <summary>One of each, in this order: allergy, diagnosis, history, medication, lab result, habit, consultation.</summary>
    public static IReadOnlyList<Resource> All() =>
        [PenicillinAllergy(), ActiveAngina(), ResolvedAppendicitis(), Amlodipine(), GlucoseLab(), Smoking(), Consultation()];

    public static Bundle Collection(IEnumerable<Resource> resources)
    {
        var bundle = new Bundle { Type = Bundle.BundleType.Collection };
        foreach (var resource in resources)
        {
            bundle.Entry.Add(new Bundle.EntryComponent { Resource = resource });
        }
        return bundle;
    }

    public static string Json(Resource resource) => EhrChain.Fhir.FhirJson.ToText(resource, pretty: true);
}
