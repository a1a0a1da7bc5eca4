using EhrChain.Client;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

// Votes on the validators are signed by validators' node keys: admission finds the signer in the
// membership, not among the participants, and refuses anyone else before the vote reaches a block.
public sealed partial class BadInputTests
{
    private static ValidatorChange AnyChange() => new() { Remove = { "node-3" } };

    [Test]
    public async Task A_vote_on_the_validators_from_a_participant_is_refused_as_an_unknown_signer()
    {
        var vote = new EhrClient(_cluster.Admin, "ehrchain-test", TimeProvider.System).VoteValidatorChange(AnyChange());

        var (code, reason, _) = await RefusedAtAdmission(vote);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "UNKNOWN_SIGNER")));
    }

    [Test]
    public async Task A_vote_in_a_validators_name_signed_with_another_key_is_refused_as_a_bad_signature()
    {
        var impostor = KeyFile.Generate("node-0", KeyRole.Validator);
        var vote = new EhrClient(impostor, "ehrchain-test", TimeProvider.System).VoteValidatorChange(AnyChange());

        var (code, reason, _) = await RefusedAtAdmission(vote);

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unauthenticated, "BAD_SIGNATURE")));
    }
}
