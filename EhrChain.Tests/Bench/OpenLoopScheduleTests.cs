using EhrChain.Bench;

namespace EhrChain.Tests.Bench;

public sealed class OpenLoopScheduleTests
{
    [Test]
    public void The_kth_transaction_is_due_k_over_rate_seconds_after_the_start()
    {
        var schedule = new OpenLoopSchedule(100);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(schedule.DueAt(0), Is.EqualTo(TimeSpan.Zero));
            Assert.That(schedule.DueAt(1), Is.EqualTo(TimeSpan.FromMilliseconds(10)));
            Assert.That(schedule.DueAt(250), Is.EqualTo(TimeSpan.FromMilliseconds(2500)));
        }
    }

    [Test]
    public void Due_by_counts_exactly_the_transactions_whose_due_time_has_come()
    {
        var schedule = new OpenLoopSchedule(3);
        foreach (var k in new long[] { 0, 1, 2, 3, 7, 1000 })
        {
            var due = schedule.DueAt(k);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(schedule.DueBy(due), Is.GreaterThan(k), $"at DueAt({k})");
                Assert.That(schedule.DueBy(due - TimeSpan.FromTicks(1)), Is.LessThanOrEqualTo(k), $"just before DueAt({k})");
            }
        }
    }

    [Test]
    public void A_run_at_a_rate_needs_rate_times_length_transactions_plus_the_one_at_zero() =>
        Assert.That(new OpenLoopSchedule(2000).CountFor(TimeSpan.FromSeconds(70)), Is.EqualTo(140_001));

    [Test]
    public void Nothing_is_due_before_the_start() =>
        Assert.That(new OpenLoopSchedule(10).DueBy(TimeSpan.FromSeconds(-1)), Is.Zero);

    [Test]
    public void A_rate_of_zero_is_refused() =>
        Assert.That(() => new OpenLoopSchedule(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
}
