using EhrChain.Contracts.Membership;
using EhrChain.Core.Chain;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class ValidatorChangeTests
{
    [TestCase(4, 3)]
    [TestCase(5, 4)]
    [TestCase(7, 5)]
    public void A_change_is_approved_by_exactly_the_quorum_of_the_current_validators(int validators, int quorum)
    {
        using var chain = new ValidatorNetwork(validators);
        var change = ValidatorNetwork.Adding(chain.NewNode("node-new"));

        var beforeQuorum = chain.VotesFrom(quorum - 1, change);
        var pendingBefore = chain.Membership.EpochEnd;
        var atQuorum = chain.Vote(chain.Membership.Validators[quorum - 1].Id, change);

        var membership = chain.Membership;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(beforeQuorum.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(pendingBefore, Is.Zero, "nothing is scheduled one vote short of the quorum");
            Assert.That(atQuorum.Code, Is.EqualTo(TxResultCode.Ok), atQuorum.Reason);
            Assert.That(membership.EpochEnd, Is.EqualTo(chain.Height + MembershipRules.ActivationDelay));
            Assert.That(membership.Next.Select(v => v.Id), Is.EqualTo(membership.Validators.Select(v => v.Id).Append("node-new")));
        }
    }

    [Test]
    public void The_same_validator_voting_twice_for_one_change_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        var change = ValidatorNetwork.Adding(chain.NewNode("node-new"));

        chain.Vote("node-0", change);
        var again = chain.Vote("node-0", change);

        Assert.That(again.Code, Is.EqualTo(TxResultCode.AlreadyExists));
        Assert.That(again.Reason, Does.Contain("already voted"));
        Assert.That(chain.Pending.Single().Voters, Is.EqualTo(new[] { "node-0" }));
    }

    [Test]
    public void A_vote_from_a_key_that_is_not_a_current_validator_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        chain.NewNode("outsider");
        var change = ValidatorNetwork.Adding(chain.NewNode("node-new"));

        var outsider = chain.Vote("outsider", change);
        var participant = chain.Net.CommitOne(chain.Net.Admin.Client.VoteValidatorChange(change));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outsider.Code, Is.EqualTo(TxResultCode.UnknownSigner));
            Assert.That(participant.Code, Is.EqualTo(TxResultCode.UnknownSigner), "an Admin is a participant, not a validator");
            Assert.That(chain.Pending, Is.Empty);
        }
    }

    [Test]
    public void A_vote_signed_with_another_key_than_the_validators_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        var change = ValidatorNetwork.Adding(chain.NewNode("node-new"));
        var forger = new EhrChain.Client.EhrClient(KeyFile.Generate("node-1", KeyRole.Validator), TestNetwork.ChainId, chain.Net.Clock);

        var result = chain.Net.CommitOne(forger.VoteValidatorChange(change));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.BadSignature));
    }

    [Test]
    public void A_vote_that_would_approve_a_second_change_while_one_is_scheduled_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        chain.VotesFrom(3, ValidatorNetwork.Adding(chain.NewNode("node-a")));
        var second = ValidatorNetwork.Adding(chain.NewNode("node-b"));

        var first2 = chain.VotesFrom(2, second);
        var third = chain.Vote("node-2", second);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first2.Code, Is.EqualTo(TxResultCode.Ok), "votes below the quorum are still recorded");
            Assert.That(third.Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(third.Reason, Does.Contain("already scheduled"));
            Assert.That(chain.Membership.Next.Select(v => v.Id), Does.Contain("node-a").And.Not.Contain("node-b"));
        }
    }

    [Test]
    public void A_vote_for_the_change_already_scheduled_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        var change = ValidatorNetwork.Adding(chain.NewNode("node-a"));
        chain.VotesFrom(3, change);

        var late = chain.Vote("node-3", change);

        Assert.That(late.Code, Is.EqualTo(TxResultCode.AlreadyExists));
    }

    [Test]
    public void A_change_that_leaves_fewer_than_four_validators_is_refused()
    {
        using var chain = new ValidatorNetwork(4);

        var result = chain.Vote("node-0", ValidatorNetwork.Removing("node-3"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
        Assert.That(result.Reason, Does.Contain("at least 4"));
    }

    [Test]
    public void A_new_validator_id_that_is_a_participant_or_a_validator_is_refused()
    {
        using var chain = new ValidatorNetwork(4);
        chain.Net.Patient("alice");
        var asAlice = ValidatorNetwork.Adding(KeyFile.Generate("alice", KeyRole.Validator));
        var asNode = ValidatorNetwork.Adding(KeyFile.Generate("node-2", KeyRole.Validator));

        var participant = chain.Vote("node-0", asAlice);
        var validator = chain.Vote("node-0", asNode);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(participant.Code, Is.EqualTo(TxResultCode.AlreadyExists));
            Assert.That(participant.Reason, Does.Contain("participant"));
            Assert.That(validator.Code, Is.EqualTo(TxResultCode.AlreadyExists));
        }
    }

    [Test]
    public void Malformed_changes_are_refused_with_a_reason()
    {
        using var chain = new ValidatorNetwork(4);
        var node = chain.NewNode("node-new");
        var badKey = ValidatorNetwork.Adding(node);
        badKey.Add[0].SigningPublicKey = ByteString.CopyFrom(new byte[5]);
        var badAddress = ValidatorNetwork.Adding(node);
        badAddress.Add[0].Address = "no-port";
        var twice = ValidatorNetwork.Adding(node, node);
        var sharedKey = ValidatorNetwork.Adding(node);
        sharedKey.Add[0].SigningPublicKey = chain.Membership.Validators[0].SigningPublicKey;
        var unknownRemove = ValidatorNetwork.Removing("node-9");
        unknownRemove.Add.Add(ValidatorNetwork.InfoOf(node));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(chain.Vote("node-0", badKey).Reason, Does.Contain("Ed25519"));
            Assert.That(chain.Vote("node-0", badAddress).Reason, Does.Contain("host:port"));
            Assert.That(chain.Vote("node-0", twice).Reason, Does.Contain("added twice"));
            Assert.That(chain.Vote("node-0", sharedKey).Reason, Does.Contain("already used"));
            Assert.That(chain.Vote("node-0", unknownRemove).Code, Is.EqualTo(TxResultCode.NotFound));
            Assert.That(chain.Vote("node-0", new ValidatorChange()).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(chain.Pending, Is.Empty);
        }
    }

    [Test]
    public void Adds_listed_in_another_order_are_the_same_change()
    {
        var a = KeyFile.Generate("node-a", KeyRole.Validator);
        var b = KeyFile.Generate("node-b", KeyRole.Validator);
        var forward = new ValidatorChange { Add = { ValidatorNetwork.InfoOf(a, 1), ValidatorNetwork.InfoOf(b, 2) } };
        var backward = new ValidatorChange { Add = { ValidatorNetwork.InfoOf(b, 2), ValidatorNetwork.InfoOf(a, 1) } };
        var other = new ValidatorChange { Add = { ValidatorNetwork.InfoOf(a, 3), ValidatorNetwork.InfoOf(b, 2) } };

        Assert.That(ValidatorChangeDigest.Of(forward), Is.EqualTo(ValidatorChangeDigest.Of(backward)));
        Assert.That(ValidatorChangeDigest.Of(forward), Is.Not.EqualTo(ValidatorChangeDigest.Of(other)));
    }

    [Test]
    public void The_epoch_rolls_over_at_the_end_of_block_epoch_end_and_not_before()
    {
        using var chain = new ValidatorNetwork(5);
        var n5 = chain.NewNode("node-5");
        var n6 = chain.NewNode("node-6");
        chain.VotesFrom(4, ValidatorNetwork.Adding(n5, n6));
        var end = chain.Membership.EpochEnd;

        chain.EmptyBlocksThrough(end - 1);
        var before = chain.Membership;
        chain.EmptyBlocksThrough(end);
        var after = chain.Membership;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(before.Epoch, Is.EqualTo(1), "the 5-validator network itself began as 4 in epoch 0");
            Assert.That(before.Validators, Has.Count.EqualTo(5));
            Assert.That(after.Epoch, Is.EqualTo(2));
            Assert.That(after.Validators.Select(v => v.Id), Is.EqualTo(new[] { "node-0", "node-1", "node-2", "node-3", "node-4", "node-5", "node-6" }));
            Assert.That(after.EpochEnd, Is.Zero);
            Assert.That(after.Next, Is.Empty);
        }
    }

    [Test]
    public void Seven_validators_shrink_to_four_in_one_change_and_the_new_set_then_votes()
    {
        using var chain = new ValidatorNetwork(7);
        chain.VotesFrom(5, ValidatorNetwork.Removing("node-1", "node-3", "node-5"));
        chain.EmptyBlocksThrough(chain.Membership.EpochEnd);

        var removed = chain.Vote("node-1", ValidatorNetwork.Adding(chain.NewNode("node-x")));
        var kept = chain.Vote("node-0", ValidatorNetwork.Adding(chain.NewNode("node-y")));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(chain.Membership.Validators.Select(v => v.Id), Is.EqualTo(new[] { "node-0", "node-2", "node-4", "node-6" }));
            Assert.That(removed.Code, Is.EqualTo(TxResultCode.UnknownSigner), "a removed validator no longer votes");
            Assert.That(kept.Code, Is.EqualTo(TxResultCode.Ok));
        }
    }

    [Test]
    public void Votes_of_an_old_epoch_are_void_after_the_rollover()
    {
        using var chain = new ValidatorNetwork(4);
        var stale = ValidatorNetwork.Adding(chain.NewNode("node-b"));
        chain.VotesFrom(2, stale);
        chain.VotesFrom(3, ValidatorNetwork.Adding(chain.NewNode("node-a")));
        chain.EmptyBlocksThrough(chain.Membership.EpochEnd);
        var pendingAfter = chain.Pending;

        var first = chain.Vote("node-2", stale);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(pendingAfter, Is.Empty);
            Assert.That(first.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(chain.Pending.Single().Voters, Is.EqualTo(new[] { "node-2" }), "the two votes of epoch 0 count for nothing in epoch 1");
            Assert.That(chain.Membership.EpochEnd, Is.Zero);
        }
    }

    [Test]
    public void A_chain_that_never_votes_keeps_no_membership_state()
    {
        using var chain = new ValidatorNetwork(4);
        chain.Net.Patient("alice");
        chain.Net.Commit();

        using var view = chain.Net.Store.OpenView();
        Assert.That(view.ScanPrefix("m/"u8.ToArray()), Is.Empty);
        Assert.That(chain.Membership.Validators.Select(v => v.Id), Is.EqualTo(chain.Net.Genesis.Validators.Select(v => v.Id)));
    }

    [Test]
    public void The_replay_of_the_blocks_computes_the_same_membership_as_the_executor()
    {
        using var chain = new ValidatorNetwork(4);
        chain.VotesFrom(3, ValidatorNetwork.Adding(chain.NewNode("node-a")));
        chain.VotesFrom(1, ValidatorNetwork.Removing("node-0"));
        chain.EmptyBlocksThrough(chain.Membership.EpochEnd + 2);

        var replay = new MembershipReplay(chain.Net.Genesis.Validators);
        for (ulong height = 1; height <= chain.Height; height++)
        {
            Assert.That(replay.Apply(chain.Net.Store.GetBlock(height)!), Is.Null);
        }

        Assert.That(replay.Current, Is.EqualTo(chain.Membership));
    }
}
