namespace EhrChain.Fhir;

/// <summary>
/// FHIR input that EhrChain will not take: it does not parse or validate, is of an unsupported
/// type, is too large, or is not the signer's to write. The message is one line that names the
/// offending resource, so the CLI can print it as it is.
/// </summary>
public sealed class FhirInputException : Exception
{
    public FhirInputException() { }
    public FhirInputException(string message) : base(message) { }
    public FhirInputException(string message, Exception inner) : base(message, inner) { }
}
