using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

/// <summary>A participant cannot be enrolled under an id a validator has, had, or is voted to have: the signer id of a vote must name one party only.</summary>
public sealed class ValidatorIdCollisionTests
{
    [Test]
    public void Enrolling_a_participant_under_a_genesis_validators_id_is_refused_and_changes_nothing()
    {
        using var chain = new ValidatorNetwork(4);
        var impostor = chain.Net.Stranger("node-1", KeyRole.Doctor);

        var result = chain.Net.CommitOne(chain.Net.Admin.Client.AddParticipant(impostor.Keys, Profiles.For(KeyRole.Doctor, "node-1")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.AlreadyExists));
            Assert.That(result.Reason, Does.Contain("validator"));
            Assert.That(chain.Net.HasParticipant("node-1"), Is.False);
        }
    }

    [Test]
    public void Enrolling_under_the_id_of_a_validator_voted_in_but_not_yet_active_or_voted_out_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        var incoming = chain.NewNode("node-9");
        chain.VotesFrom(3, ValidatorNetwork.Adding(incoming));

        var pending = chain.Net.CommitOne(chain.Net.Admin.Client.AddParticipant(chain.Net.Stranger("node-9", KeyRole.Patient).Keys, Profiles.For(KeyRole.Patient, "node-9")));
        chain.EmptyBlocksThrough(chain.Membership.EpochEnd);
        chain.VotesFrom(4, ValidatorNetwork.Removing("node-0"));
        chain.EmptyBlocksThrough(chain.Membership.EpochEnd);
        var removed = chain.Net.CommitOne(chain.Net.Admin.Client.AddParticipant(chain.Net.Stranger("node-0", KeyRole.Patient).Keys, Profiles.For(KeyRole.Patient, "node-0")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pending.Code, Is.EqualTo(TxResultCode.AlreadyExists), "a validator scheduled to join");
            Assert.That(removed.Code, Is.EqualTo(TxResultCode.AlreadyExists), "a validator that has left");
            Assert.That(chain.Membership.Validators.Select(v => v.Id), Does.Not.Contain("node-0"));
        }
    }
}
