using EhrChain.Client;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Fhir;
using Google.Protobuf;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>
/// The example resources through import (the plan: kind and plaintext of each entry) and export
/// (the Bundle a reader gets), with the entries encrypted and decrypted as the client does, and
/// compared field by field with the SDK's IsExactly and by their serialisation.
/// </summary>
public sealed class FhirRoundTripTests
{
    private const string RecordId = "r-0123456789abcdef0123";
    private const string OwnerId = "p-00000000000000000001";
    private const string DoctorId = "p-00000000000000000002";
    private static readonly DateTimeOffset Now = new(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void Each_resource_becomes_an_entry_of_its_kind()
    {
        Assert.That(Import(FhirExamples.All()).Select(r => r.Entry.Kind), Is.EqualTo(new[]
        {
            EntryKind.Allergy, EntryKind.Diagnosis, EntryKind.MedicalHistory, EntryKind.Medication,
            EntryKind.LabResult, EntryKind.DangerousHabit, EntryKind.Consultation,
        }));
    }

    [Test]
    public void Every_example_resource_comes_back_exactly_as_it_went_in()
    {
        var originals = FhirExamples.All();
        var exported = ImportThenExport(originals);

        var resources = exported.Bundle.Entry.Select(e => e.Resource!).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(resources, Has.Count.EqualTo(originals.Count));
            Assert.That(exported.FhirEntries, Is.EqualTo(originals.Count));
            Assert.That(exported.TextEntries, Is.Zero);
            for (var i = 0; i < originals.Count; i++)
            {
                Assert.That(resources[i].IsExactly(originals[i]), Is.True, $"{originals[i].TypeName}/{originals[i].Id} differs");
                Assert.That(FhirJson.ToText(resources[i], pretty: false), Is.EqualTo(FhirJson.ToText(originals[i], pretty: false)));
            }
        }
    }

    [Test]
    public void A_medication_request_is_a_prescription_and_comes_back_exactly()
    {
        var original = FhirExamples.AmoxicillinPrescription();

        var imported = Import([original]).Single();
        var exported = ImportThenExport([original]).Bundle.Entry.Single().Resource!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(imported.Entry.Kind, Is.EqualTo(EntryKind.Prescription));
            Assert.That(exported.IsExactly(original), Is.True);
            Assert.That(WriterRoles.Refusal(ParticipantRole.Patient, EntryKind.Prescription), Does.Contain("prescriptions, which come from doctors"));
            Assert.That(WriterRoles.Refusal(ParticipantRole.Laboratory, EntryKind.Prescription), Is.Not.Null);
            Assert.That(WriterRoles.Refusal(ParticipantRole.Doctor, EntryKind.Prescription), Is.Null);
        }
    }

    [Test]
    public void The_lab_observation_keeps_its_value_and_reference_range()
    {
        var lab = (Observation)ImportThenExport([FhirExamples.GlucoseLab()]).Bundle.Entry.Single().Resource!;

        using (Assert.EnterMultipleScope())
        {
            var value = (Quantity)lab.Value!;
            Assert.That(value.Value, Is.EqualTo(5.40m));
            Assert.That(value.Value!.Value.Scale, Is.EqualTo(2), "5.40 stays 5.40, not 5.4");
            Assert.That(value.Code, Is.EqualTo("mmol/L"));
            Assert.That(lab.ReferenceRange.Single().Low!.Value, Is.EqualTo(3.9m));
            Assert.That(lab.ReferenceRange.Single().High!.Value, Is.EqualTo(5.6m));
        }
    }

    [Test]
    public void The_exported_bundle_is_a_valid_collection_that_parses_back()
    {
        var exported = ImportThenExport(FhirExamples.All());
        var json = FhirJson.ToText(exported.Bundle, pretty: true);

        var parsed = (Bundle)FhirJson.Parse(json, "export");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(parsed.Type, Is.EqualTo(Bundle.BundleType.Collection));
            Assert.That(parsed.IsExactly(exported.Bundle), Is.True);
            Assert.That(parsed.Entry.Select(e => e.FullUrl), Is.Unique.And.All.StartWith("urn:uuid:"));
        }
    }

    [Test]
    public void Exporting_the_same_record_twice_gives_the_same_full_urls()
    {
        var first = ImportThenExport(FhirExamples.All()).Bundle.Entry.Select(e => e.FullUrl);
        var second = ImportThenExport(FhirExamples.All()).Bundle.Entry.Select(e => e.FullUrl);

        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void A_text_entry_becomes_a_document_reference_holding_the_text_exactly()
    {
        var note = Entry(0, EntryKind.Note, DoctorId, "Moving to another cardiologist; ümlaut kept");
        var exported = FhirExport.Build(Record(), [note], [], Now);

        var document = (DocumentReference)exported.Bundle.Entry.Single().Resource!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(exported.TextEntries, Is.EqualTo(1));
            Assert.That(document.Status, Is.EqualTo(DocumentReferenceStatus.Current));
            Assert.That(document.Type!.Coding.Single().Code, Is.EqualTo("note"));
            Assert.That(document.Content.Single().Attachment!.Data, Is.EqualTo(note.Content));
            Assert.That(document.Content.Single().Attachment!.ContentType, Is.EqualTo("text/plain; charset=utf-8"));
            Assert.That(document.Subject!.Identifier!.Value, Is.EqualTo(OwnerId));
            Assert.That(document.Author.Single().Identifier!.Value, Is.EqualTo(DoctorId));
            Assert.That(document.MasterIdentifier!.Value, Is.EqualTo($"{RecordId}/0"));
        }
    }

    [Test]
    public void Fhir_of_a_type_its_kind_does_not_hold_is_exported_as_text()
    {
        // An allergy entry someone wrote by hand holding a Condition: not what import would make of it.
        var json = FhirJson.ToText(FhirExamples.ActiveAngina(), pretty: false);
        var exported = FhirExport.Build(Record(), [Entry(0, EntryKind.Allergy, OwnerId, json)], [], Now);

        Assert.That(exported.Bundle.Entry.Single().Resource, Is.InstanceOf<DocumentReference>());
    }

    [Test]
    public void Entries_the_reader_cannot_decrypt_are_left_out_and_counted()
    {
        var unreadable = new DecryptedEntry(new RecordEntry { RecordId = RecordId, Index = 1, Kind = EntryKind.Note, AuthorId = OwnerId }, null, "No data key for epoch 1 is held.");
        var exported = FhirExport.Build(Record(), [Entry(0, EntryKind.Note, OwnerId, "kept"), unreadable], [], Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exported.Bundle.Entry, Has.Count.EqualTo(1));
            Assert.That(exported.UnreadableEntries, Is.EqualTo(1));
        }
    }

    /// <summary>
    /// Each resource as its writer imports it: the lab result by a laboratory, the rest by a
    /// doctor (no one role writes every kind).
    /// </summary>
    private static List<ImportedResource> Import(IEnumerable<Resource> resources) =>
        resources.Select(resource =>
        {
            var role = resource is Observation o && o.Category.Any(c => c.Coding.Any(x => x.Code == "laboratory")) ? ParticipantRole.Laboratory : ParticipantRole.Doctor;
            return FhirImportPlan.From(FhirExamples.Json(FhirExamples.Collection([resource])), "bundle.json", role).Transactions.Single().Single();
        }).ToList();

    /// <summary>Imports, encrypts each entry as EhrClient does, decrypts it as a reader would, and exports.</summary>
    private static FhirExportResult ImportThenExport(IEnumerable<Resource> resources)
    {
        var key = ContentCipher.GenerateKey();
        var keys = RecordKeyRing.FromKey(RecordId, 0, key);
        var entries = Import(resources).Select((r, i) =>
        {
            var associated = EntryBinding.AssociatedData(RecordId, r.Entry.Kind, OwnerId, 0);
            var stored = new RecordEntry
            {
                RecordId = RecordId,
                Index = (uint)i,
                Kind = r.Entry.Kind,
                AuthorId = OwnerId,
                KeyEpoch = 0,
                TimeUnixMs = Now.ToUnixTimeMilliseconds(),
                Ciphertext = ByteString.CopyFrom(ContentCipher.Encrypt(key, r.Entry.Content, associated)),
            };
            return EhrClient.Decrypt(keys, stored);
        }).ToList();
        Assert.That(entries, Has.All.Matches<DecryptedEntry>(e => e.IsReadable));
        return FhirExport.Build(Record(), entries, [], Now);
    }

    private static MedicalRecord Record() => new() { Id = RecordId, OwnerId = OwnerId };

    private static DecryptedEntry Entry(uint index, EntryKind kind, string author, string text) =>
        new(new RecordEntry { RecordId = RecordId, Index = index, Kind = kind, AuthorId = author, TimeUnixMs = Now.ToUnixTimeMilliseconds() }, System.Text.Encoding.UTF8.GetBytes(text), null);
}
