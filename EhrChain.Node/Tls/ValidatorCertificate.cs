using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace EhrChain.Node.Tls;

/// <summary>
/// How a node certificate names its validator: the id as the subject CN and as a URI SAN
/// <c>urn:ehrchain:validator:ID</c>. The URI is what a peer checks; the CN is for people reading the cert.
/// </summary>
public static class ValidatorCertificate
{
    public const string UriPrefix = "urn:ehrchain:validator:";

    private const string SubjectAlternativeNameOid = "2.5.29.17";

    public static string UriOf(string validatorId) => UriPrefix + validatorId;

    /// <summary>The validator id in the certificate's URI SAN, or null when it names none (or more than one).</summary>
    public static string? IdOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var extension = certificate.Extensions[SubjectAlternativeNameOid];
        if (extension is null)
        {
            return null;
        }
        var ids = new List<string>();
        try
        {
            var sequence = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            // GeneralName uniformResourceIdentifier is [6] IA5String.
            var uriTag = new Asn1Tag(TagClass.ContextSpecific, 6);
            while (sequence.HasData)
            {
                var tag = sequence.PeekTag();
                if (tag.HasSameClassAndValue(uriTag))
                {
                    var uri = sequence.ReadCharacterString(UniversalTagNumber.IA5String, uriTag);
                    if (uri.StartsWith(UriPrefix, StringComparison.Ordinal))
                    {
                        ids.Add(uri[UriPrefix.Length..]);
                    }
                }
                else
                {
                    sequence.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return null;
        }
        return ids.Count == 1 && ids[0].Length > 0 ? ids[0] : null;
    }

    /// <summary>SHA-256 of the certificate's DER bytes: what a peer hello binds itself to.</summary>
    public static byte[] HashOf(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return SHA256.HashData(certificate.RawData);
    }
}
