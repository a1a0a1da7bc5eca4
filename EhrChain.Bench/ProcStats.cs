using System.Globalization;

namespace EhrChain.Bench;

/// <summary>One reading of a process from /proc: CPU time used so far and resident memory now.</summary>
internal readonly record struct ProcReading(TimeSpan CpuTime, long RssBytes, long PeakRssBytes);

/// <summary>
/// Reads a Linux process's CPU time (/proc/PID/stat) and resident memory (/proc/PID/status).
/// The parsers are separate from the file reads so they can be tested on fixed text.
/// </summary>
internal static class ProcStats
{
    // /proc reports CPU times in USER_HZ, which the kernel ABI fixes at 100 on every architecture .NET runs on.
    private const long TicksPerSecond = 100;

    public static ProcReading? Read(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var status = File.ReadAllText($"/proc/{pid}/status");
            return new ProcReading(ParseCpuTime(stat), ParseStatusKb(status, "VmRSS") * 1024, ParseStatusKb(status, "VmHWM") * 1024);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            // The process exited, or this is not Linux.
            return null;
        }
    }

    /// <summary>utime + stime (fields 14 and 15) of a /proc/PID/stat line.</summary>
    public static TimeSpan ParseCpuTime(string stat)
    {
        ArgumentNullException.ThrowIfNull(stat);
        // The command name (field 2) is in parentheses and may hold spaces or ')'; fields are counted after the last ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            throw new FormatException("A /proc/PID/stat line has the command name in parentheses.");
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field n is fields[n - 3].
        if (fields.Length < 13)
        {
            throw new FormatException("A /proc/PID/stat line has at least 15 fields.");
        }
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds((double)ticks / TicksPerSecond);
    }

    /// <summary>A "Name:   1234 kB" line of /proc/PID/status, in kB; 0 when absent (a kernel thread has no VmRSS).</summary>
    public static long ParseStatusKb(string status, string name)
    {
        ArgumentNullException.ThrowIfNull(status);
        foreach (var line in status.Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] == ':')
            {
                var value = line[(name.Length + 1)..].Trim();
                var space = value.IndexOf(' ', StringComparison.Ordinal);
                return long.Parse(space < 0 ? value : value[..space], CultureInfo.InvariantCulture);
            }
        }
        return 0;
    }
}
