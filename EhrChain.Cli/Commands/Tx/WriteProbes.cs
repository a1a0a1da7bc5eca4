using EhrChain.Client;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Cli.Commands.Tx;

/// <summary>
/// A write's transaction when the node would not hand over the record's keys to build it (the
/// signer is suspended, not granted, not the owner, or the record does not exist). The CLI still
/// submits a write, so the user learns the node's verdict on the write and not the read's; each
/// transaction here is shaped so that no node can ever accept it (an epoch no record reaches, no
/// sealed keys), and the user's entries travel encrypted under a throwaway key.
/// </summary>
internal static class WriteProbes
{
    public static SignedTransaction Append(EhrClient client, string recordId, IEnumerable<PlainEntry> entries) =>
        client.AppendEntriesAtEpoch(RecordKeyRing.FromKey(recordId, uint.MaxValue, ContentCipher.GenerateKey()), uint.MaxValue, entries);

    /// <summary>A grant without the record's keys: refused as stale even if everything else holds.</summary>
    public static SignedTransaction Grant(EhrClient client, string recordId, string granteeId, bool lab, Permission permission, DateTimeOffset? until) =>
        client.Sign(p =>
        {
            var expires = until?.ToUnixTimeMilliseconds() ?? 0;
            if (lab)
            {
                p.GrantAccessToLab = new GrantAccessToLab { RecordId = recordId, LaboratoryId = granteeId, ExpiresUnixMs = expires };
            }
            else
            {
                p.GrantAccess = new GrantAccess { RecordId = recordId, DoctorId = granteeId, Permission = permission, ExpiresUnixMs = expires };
            }
        });

    /// <summary>A revocation without a rotated key: never sealed to the owner, so always refused.</summary>
    public static SignedTransaction Revoke(EhrClient client, string recordId, string granteeId, bool lab) =>
        client.Sign(p =>
        {
            if (lab)
            {
                p.RevokeAccessFromLab = new RevokeAccessFromLab { RecordId = recordId, LaboratoryId = granteeId };
            }
            else
            {
                p.RevokeAccess = new RevokeAccess { RecordId = recordId, DoctorId = granteeId };
            }
        });
}
