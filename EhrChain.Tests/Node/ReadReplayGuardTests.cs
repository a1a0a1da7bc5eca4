using EhrChain.Node.Api;

namespace EhrChain.Tests.Node;

public sealed class ReadReplayGuardTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Skew = TimeSpan.FromMinutes(5);

    private static long Ms(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    [Test]
    public void A_request_is_answered_once_and_a_repeat_is_refused()
    {
        var guard = new ReadReplayGuard(Skew, 10, 10);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guard.Remember("dr-bob", 7, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.First));
            Assert.That(guard.Remember("dr-bob", 7, Ms(Now), Now.AddMinutes(4)), Is.EqualTo(ReadReplayGuard.Outcome.Replayed));
            Assert.That(guard.Remember("dr-bob", 8, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.First));
            Assert.That(guard.Remember("alice", 7, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.First));
        }
    }

    [Test]
    public void A_request_is_forgotten_only_once_it_is_too_old_to_verify()
    {
        var guard = new ReadReplayGuard(Skew, 1, 1);
        guard.Remember("dr-bob", 7, Ms(Now), Now);

        using (Assert.EnterMultipleScope())
        {
            // Still fresh at created + skew: still remembered, and the memory of one is full.
            Assert.That(guard.Remember("dr-bob", 7, Ms(Now), Now + Skew), Is.EqualTo(ReadReplayGuard.Outcome.Replayed));
            Assert.That(guard.Remember("alice", 1, Ms(Now + Skew), Now + Skew), Is.EqualTo(ReadReplayGuard.Outcome.Full));
            // Past it the verifier refuses the old request anyway, so its place is free.
            Assert.That(guard.Remember("alice", 1, Ms(Now + Skew), Now + Skew + TimeSpan.FromMilliseconds(1)), Is.EqualTo(ReadReplayGuard.Outcome.First));
        }
    }

    [Test]
    public void A_full_memory_refuses_new_requests_rather_than_forget_a_fresh_one()
    {
        var guard = new ReadReplayGuard(Skew, 2, 2);
        guard.Remember("a", 1, Ms(Now), Now);
        guard.Remember("b", 1, Ms(Now), Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guard.Remember("c", 1, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.Full));
            Assert.That(guard.Remember("a", 1, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.Replayed));
        }
    }

    [Test]
    public void A_reader_at_its_own_cap_is_refused_while_another_reader_is_still_served()
    {
        var guard = new ReadReplayGuard(Skew, 100, 3);
        for (ulong nonce = 1; nonce <= 3; nonce++)
        {
            guard.Remember("mallory", nonce, Ms(Now), Now);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guard.Remember("mallory", 4, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.ReaderFull));
            Assert.That(guard.Remember("dr-bob", 1, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.First));
            // A repeat is still a replay, not a rate limit, so the client learns the right thing.
            Assert.That(guard.Remember("mallory", 3, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.Replayed));
        }
    }

    [Test]
    public void A_reader_gets_its_share_back_once_its_old_requests_are_too_old_to_verify()
    {
        var guard = new ReadReplayGuard(Skew, 100, 1);
        guard.Remember("mallory", 1, Ms(Now), Now);
        var later = Now + Skew + TimeSpan.FromMilliseconds(1);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guard.Remember("mallory", 2, Ms(Now), Now), Is.EqualTo(ReadReplayGuard.Outcome.ReaderFull));
            Assert.That(guard.Remember("mallory", 2, Ms(later), later), Is.EqualTo(ReadReplayGuard.Outcome.First));
        }
    }
}
