using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Consensus;

/// <summary>
/// Checks that a snapshot is certified: 2f + 1 distinct validators signed SNAPSHOT-ATTESTATION
/// envelopes naming the same sequence, state root, digest and size. Needs only the validator set,
/// so a node that holds nothing yet can check what a peer offers it.
/// </summary>
public static class SnapshotCertificates
{
    public static bool Verify(IReadOnlyList<ConsensusEnvelope> envelopes, ValidatorSet validators, out SnapshotAttestation attestation, out string reason)
    {
        ArgumentNullException.ThrowIfNull(envelopes);
        ArgumentNullException.ThrowIfNull(validators);
        attestation = new SnapshotAttestation();
        SnapshotAttestation? agreed = null;
        var seen = new HashSet<int>();
        foreach (var envelope in envelopes)
        {
            var message = Envelopes.Open(envelope, validators, out var sender, out var dropped);
            if (message is null)
            {
                reason = $"an attestation from '{envelope?.Sender}' does not open: {dropped}";
                return false;
            }
            if (message.KindCase != ConsensusMessage.KindOneofCase.SnapshotAttestation)
            {
                reason = $"the envelope from '{envelope.Sender}' is not a snapshot attestation";
                return false;
            }
            if (!validators.IsMember(sender))
            {
                reason = $"'{envelope.Sender}' is not a validator of epoch {validators.Epoch}";
                return false;
            }
            if (!seen.Add(sender))
            {
                reason = $"'{envelope.Sender}' attested twice";
                return false;
            }
            var current = message.SnapshotAttestation;
            if (agreed is null)
            {
                agreed = current;
            }
            else if (!agreed.Equals(current))
            {
                reason = $"'{envelope.Sender}' attested a different snapshot";
                return false;
            }
        }
        if (agreed is null || seen.Count < validators.Quorum)
        {
            reason = $"{seen.Count} attestations; a quorum is {validators.Quorum}";
            return false;
        }
        if (agreed.SnapshotDigest.Length != Hash.Size || agreed.StateRoot.Length != Hash.Size || agreed.ChunkCount == 0)
        {
            reason = "the attested snapshot is malformed";
            return false;
        }
        attestation = agreed;
        reason = "";
        return true;
    }
}
