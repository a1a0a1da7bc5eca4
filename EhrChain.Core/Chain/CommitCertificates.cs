using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>
/// Checks that a batch is final: 2f + 1 distinct validators signed COMMIT for its (view,
/// sequence, digest). Needs only the validator set, so <c>ehrchain verify</c> runs it offline.
/// </summary>
public static class CommitCertificates
{
    public static bool Verify(CommitCertificate certificate, ValidatorSet validators, ulong sequence, Hash digest, out string reason)
    {
        ArgumentNullException.ThrowIfNull(validators);
        if (certificate is null)
        {
            reason = "no commit certificate";
            return false;
        }
        if (certificate.Sequence != sequence)
        {
            reason = $"certificate is for sequence {certificate.Sequence}, not {sequence}";
            return false;
        }
        if (certificate.BatchDigest.Length != Hash.Size || new Hash(certificate.BatchDigest.Span) != digest)
        {
            reason = "certificate digest does not match the batch";
            return false;
        }
        var signed = ConsensusHashing.CommitBytes(certificate.View, certificate.Sequence, digest);
        var seen = new HashSet<int>();
        foreach (var commit in certificate.Commits)
        {
            if (!validators.TryGetMember(commit.ValidatorId, out var index))
            {
                reason = $"'{commit.ValidatorId}' is not a validator of epoch {validators.Epoch}";
                return false;
            }
            if (!seen.Add(index))
            {
                reason = $"'{commit.ValidatorId}' signed twice";
                return false;
            }
            if (!validators.KeyOf(index).Verify(SigningDomain.ConsensusMessage, signed, commit.Signature.Span))
            {
                reason = $"bad commit signature from '{commit.ValidatorId}'";
                return false;
            }
        }
        if (seen.Count < validators.Quorum)
        {
            reason = $"{seen.Count} commit signatures; a quorum is {validators.Quorum}";
            return false;
        }
        reason = "";
        return true;
    }

    /// <summary>Verifies a certificate against the batch it should certify, recomputing the digest.</summary>
    public static bool Verify(CommitCertificate certificate, ValidatorSet validators, ulong sequence, long timeUnixMs, IReadOnlyList<ByteString> requests, out string reason) =>
        Verify(certificate, validators, sequence, ConsensusHashing.BatchDigest(timeUnixMs, requests), out reason);

    public static CommitCertificate Build(ulong view, ulong sequence, Hash digest, IEnumerable<(string ValidatorId, ByteString Signature)> commits)
    {
        var certificate = new CommitCertificate { View = view, Sequence = sequence, BatchDigest = digest.ToByteString() };
        foreach (var (id, signature) in commits.OrderBy(c => c.ValidatorId, StringComparer.Ordinal))
        {
            certificate.Commits.Add(new CommitSignature { ValidatorId = id, Signature = signature });
        }
        return certificate;
    }
}
