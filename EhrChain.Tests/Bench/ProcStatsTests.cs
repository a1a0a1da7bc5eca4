using EhrChain.Bench;

namespace EhrChain.Tests.Bench;

public sealed class ProcStatsTests
{
    // A real /proc/PID/stat line, with a command name holding a space and a parenthesis.
    private const string Stat = "4242 (ehr chain) node) S 1 4242 4242 0 -1 4194560 12345 0 3 0 250 130 0 0 20 0 30 0 1000 300000000 50000 18446744073709551615 1 1 0 0 0 0 0 4096 17642 0 0 0 17 1 0 0 0 0 0";

    private const string Status = "Name:\tehrchain\nVmPeak:\t 3000000 kB\nVmHWM:\t  260000 kB\nVmRSS:\t  245760 kB\nRssAnon:\t  200000 kB\n";

    [Test]
    public void Cpu_time_is_user_plus_system_ticks_at_100_per_second() =>
        Assert.That(ProcStats.ParseCpuTime(Stat), Is.EqualTo(TimeSpan.FromSeconds(3.8)));

    [Test]
    public void Resident_memory_and_its_peak_are_read_in_kilobytes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ProcStats.ParseStatusKb(Status, "VmRSS"), Is.EqualTo(245_760));
            Assert.That(ProcStats.ParseStatusKb(Status, "VmHWM"), Is.EqualTo(260_000));
        }
    }

    [Test]
    public void A_field_that_only_starts_like_the_name_is_not_taken_for_it() =>
        Assert.That(ProcStats.ParseStatusKb("VmRSSx:\t1 kB\nVmRSS:\t2 kB\n", "VmRSS"), Is.EqualTo(2));

    [Test]
    public void A_missing_field_reads_as_zero() =>
        Assert.That(ProcStats.ParseStatusKb(Status, "VmSwap"), Is.Zero);

    [Test]
    public void A_stat_line_without_its_command_name_is_refused() =>
        Assert.That(() => ProcStats.ParseCpuTime("4242 S 1 2 3"), Throws.InstanceOf<FormatException>());

    [Test]
    public void This_process_can_be_read_from_proc()
    {
        Assume.That(OperatingSystem.IsLinux(), "Only Linux has /proc.");
        var reading = ProcStats.Read(Environment.ProcessId);
        Assert.That(reading, Is.Not.Null);
        Assert.That(reading!.Value.RssBytes, Is.GreaterThan(0));
    }
}
