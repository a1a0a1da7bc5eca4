using EhrChain.Client.Session;
using EhrChain.Core.Wire;
using EhrChain.Fhir;
using Model = Hl7.Fhir.Model;

namespace EhrChain.Cli.Demo;

/// <summary>The walk-through's FHIR step: what `record import --fhir` and `record export --fhir` do, through the same library.</summary>
internal sealed partial class DemoScenario
{
    private async Task<bool> FhirRoundTripAsync(LedgerSession doctor, LedgerSession patient, string recordId, DemoOutcome outcome, CancellationToken cancellationToken)
    {
        var subject = new Model.ResourceReference("Patient/ada");
        var condition = new Model.Condition
        {
            Id = "angina",
            ClinicalStatus = new Model.CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", "active"),
            Code = new Model.CodeableConcept("http://snomed.info/sct", "233819005", "Stable angina pectoris"),
            Subject = subject,
        };
        var medication = new Model.MedicationStatement
        {
            Id = "glyceryl-trinitrate",
            Status = Model.MedicationStatement.MedicationStatusCodes.Active,
            Medication = new Model.CodeableConcept("http://www.nlm.nih.gov/research/umls/rxnorm", "198039", "Nitroglycerin 0.4 MG Sublingual Tablet"),
            Subject = subject,
        };
        var bundle = new Model.Bundle { Type = Model.Bundle.BundleType.Collection };
        bundle.Entry.AddRange([new() { Resource = condition }, new() { Resource = medication }]);
        outcome.ClearTexts.AddRange(["Stable angina pectoris", "Nitroglycerin 0.4 MG Sublingual Tablet"]);

        var plan = FhirImportPlan.From(FhirJson.ToText(bundle, pretty: false), "the bundle", ParticipantRole.Doctor);
        var keys = await doctor.RecordKeysAsync(recordId, cancellationToken).ConfigureAwait(false);
        foreach (var transaction in plan.Transactions)
        {
            await Commit(doctor, doctor.Client.AppendEntries(keys, transaction.Select(r => r.Entry)), $"   dr-alice imports {string.Join(" and ", transaction.Select(r => $"{r.Source} as {EntryKinds.NameOf(r.Entry.Kind)}"))}", cancellationToken).ConfigureAwait(false);
        }

        var view = await patient.RecordAsync(recordId, cancellationToken).ConfigureAwait(false);
        var grants = await patient.GrantsAsync(recordId, cancellationToken).ConfigureAwait(false);
        var export = FhirExport.Build(view.Record, patient.Client.Decrypt(view), grants.Grants, DateTimeOffset.UtcNow);
        var exact = new Model.Resource[] { condition, medication }.All(r => export.Bundle.Entry.Count(e => e.Resource is { } x && Model.PocoEqualityComparisons.IsExactly(x, r)) == 1);
        say($"   the patient's FHIR export: {export.FhirEntries} FHIR resources (imported exactly: {(exact ? "yes" : "NO")}), {export.TextEntries} text entries as DocumentReference, {export.Consents} grants as Consent");
        return exact;
    }
}
