using EhrChain.Contracts.Execution;
using EhrChain.Core.Wire;
using EhrChain.Fhir;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>How a bundle is cut into transactions, and the mapping rules that are easy to get wrong.</summary>
public sealed class FhirImportPlanTests
{
    [Test]
    public void The_importers_limits_are_the_engines()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ImportLimits.MaxEntriesPerTransaction, Is.EqualTo(ActionValidation.MaxEntriesPerTransaction));
            Assert.That(ImportLimits.MaxEntryCiphertextBytes, Is.EqualTo(ActionValidation.MaxEntryCiphertextBytes));
            Assert.That(new EhrChain.Node.Configuration.AdmissionOptions().MaxTransactionBytes, Is.GreaterThan(ImportLimits.MaxTransactionCiphertextBytes), "room is left for the transaction's envelope");
        }
    }

    [Test]
    public void Seventy_resources_go_in_three_transactions_of_at_most_32_in_bundle_order()
    {
        var allergies = Enumerable.Range(0, 70).Select(i =>
        {
            var allergy = FhirExamples.PenicillinAllergy();
            allergy.Id = $"allergy-{i}";
            return (Resource)allergy;
        }).ToList();

        var plan = FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection(allergies)), "bundle.json", ParticipantRole.Patient);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Transactions.Select(t => t.Count), Is.EqualTo(new[] { 32, 32, 6 }));
            Assert.That(plan.Transactions.SelectMany(t => t).Select(r => r.Source), Is.EqualTo(allergies.Select((a, i) => $"Bundle.entry[{i}] (AllergyIntolerance/allergy-{i})")));
        }
    }

    [Test]
    public void Large_resources_are_cut_by_size_so_each_transaction_fits_admission()
    {
        var large = Enumerable.Range(0, 5).Select(i =>
        {
            var encounter = FhirExamples.Consultation();
            encounter.Id = $"encounter-{i}";
            encounter.ReasonCode = [new CodeableConcept { Text = new string('x', 60 * 1024) }];
            return (Resource)encounter;
        }).ToList();

        var plan = FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection(large)), "bundle.json", ParticipantRole.Doctor);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Transactions, Has.Count.GreaterThan(1));
            Assert.That(plan.EntryCount, Is.EqualTo(5));
            Assert.That(plan.Transactions.Select(t => t.Sum(r => r.Entry.Content.Length + EhrChain.Core.Crypto.ContentCipher.Overhead)), Has.All.LessThanOrEqualTo(ImportLimits.MaxTransactionCiphertextBytes));
        }
    }

    [TestCase("active", false, EntryKind.Diagnosis)]
    [TestCase("recurrence", false, EntryKind.Diagnosis)]
    [TestCase("resolved", false, EntryKind.MedicalHistory)]
    [TestCase("inactive", false, EntryKind.MedicalHistory)]
    [TestCase("remission", false, EntryKind.MedicalHistory)]
    [TestCase(null, true, EntryKind.MedicalHistory)]
    [TestCase(null, false, EntryKind.Diagnosis)]
    public void A_condition_that_is_over_is_history_and_any_other_a_diagnosis(string? clinicalStatus, bool abated, EntryKind expected)
    {
        var condition = FhirExamples.ActiveAngina();
        condition.ClinicalStatus = clinicalStatus is null ? null : new CodeableConcept("http://terminology.hl7.org/CodeSystem/condition-clinical", clinicalStatus);
        condition.Abatement = abated ? new FhirDateTime("2020-01-01") : null;

        Assert.That(EntryKinds.KindOf(condition, "c"), Is.EqualTo(expected));
    }

    [Test]
    public void The_entry_plaintext_is_the_sdks_compact_serialisation()
    {
        var plan = FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection([FhirExamples.Amlodipine()])), "bundle.json", ParticipantRole.Doctor);

        Assert.That(System.Text.Encoding.UTF8.GetString(plan.Transactions.Single().Single().Entry.Content), Is.EqualTo(FhirJson.ToText(FhirExamples.Amlodipine(), pretty: false)));
    }
}
