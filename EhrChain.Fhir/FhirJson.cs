using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Hl7.Fhir.Validation;

namespace EhrChain.Fhir;

/// <summary>
/// Every FHIR JSON read and write goes through Firely's SDK here, with one set of settings: the
/// strict deserializer (unknown elements, bad codes and missing required elements are errors) and
/// the SDK's attribute validation (cardinality, value formats) on top, so what the chain stores
/// and what an export writes is FHIR R4 as the SDK understands it.
/// </summary>
public static class FhirJson
{
    /// <summary>Parses and validates one resource; a problem is a <see cref="FhirInputException"/> naming <paramref name="source"/> and the first error.</summary>
    public static Resource Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        Resource resource;
        try
        {
            resource = FhirJsonDeserializer.STRICT.DeserializeResource(json);
        }
        catch (DeserializationFailedException e)
        {
            throw new FhirInputException($"{source} is not valid FHIR R4: {FirstOf(e.Exceptions.Select(x => x.Message))}", e);
        }
        catch (JsonException e)
        {
            throw new FhirInputException($"{source} is not JSON: {OneLine(e.Message)}", e);
        }
        Validate(resource, source);
        return resource;
    }

    /// <summary>Parses <paramref name="json"/> as a resource when it is valid FHIR R4, else null: for content that may or may not be FHIR.</summary>
    public static Resource? TryParse(string json)
    {
        try
        {
            return Parse(json, "content");
        }
        catch (FhirInputException)
        {
            return null;
        }
    }

    /// <summary>The SDK's attribute validation of the whole resource tree; throws naming <paramref name="source"/> and the first problem.</summary>
    public static void Validate(Resource resource, string source)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var problems = resource.Validate();
        if (problems.Count > 0)
        {
            throw new FhirInputException($"{source} is not valid FHIR R4: {FirstOf(problems.Select(p => p.Message))}");
        }
    }

    /// <summary>The compact JSON the SDK writes for <paramref name="resource"/>: what an entry's plaintext is.</summary>
    public static byte[] ToBytes(Resource resource) => FhirJsonSerializer.Default.SerializeToBytes(resource);

    public static string ToText(Resource resource, bool pretty) => FhirJsonSerializer.Default.SerializeToString(resource, pretty);

    private static string FirstOf(IEnumerable<string> messages)
    {
        var list = messages.ToList();
        var first = list.Count == 0 ? "unknown error" : OneLine(list[0]);
        return list.Count > 1 ? $"{first} (and {list.Count - 1} more)" : first;
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
