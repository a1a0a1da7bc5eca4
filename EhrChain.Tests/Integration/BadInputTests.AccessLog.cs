using EhrChain.Client;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

// An access log is signed by the validator that answered the reads: admission finds the signer in
// the membership, as for a vote, and refuses a participant or an impostor before any block.
public sealed partial class BadInputTests
{
    private static RecordAccessLog AnyAccessLog() => new()
    {
        Entries = { new AccessLogEntry { RecordId = "rec-1", ReaderId = "alice", NodeId = "node-0", ReadUnixMs = 1, Basis = AccessBasis.Owner, Kind = AccessKind.GetRecord } },
    };

    [Test]
    public async Task An_access_log_from_a_participant_is_refused_at_admission_as_an_unknown_signer()
    {
        var log = new EhrClient(_cluster.Admin, "ehrchain-test", TimeProvider.System).Sign(p => p.RecordAccessLog = AnyAccessLog());

        var (code, reason, _) = await RefusedAtAdmission(log);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "UNKNOWN_SIGNER")));
    }

    [Test]
    public async Task An_access_log_in_a_validators_name_signed_with_another_key_is_refused_at_admission()
    {
        var impostor = KeyFile.Generate("node-0", KeyRole.Validator);
        var log = new EhrClient(impostor, "ehrchain-test", TimeProvider.System).Sign(p => p.RecordAccessLog = AnyAccessLog());

        var (code, reason, _) = await RefusedAtAdmission(log);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "BAD_SIGNATURE")));
    }
}
