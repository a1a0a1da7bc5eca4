using System.Collections.Concurrent;

namespace EhrChain.Node.Api;

/// <summary>
/// One warning line per kind of client mistake per interval, with the count of those it did not
/// write: a stranger who sends garbage all day costs the log a line a minute, never a stack trace.
/// </summary>
public sealed partial class RefusalLog(ILogger<RefusalLog> logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Counts one refusal of <paramref name="reason"/>; writes a line if none was written for it within the interval.</summary>
    public void Refused(string reason, string method)
    {
        var now = time.GetUtcNow();
        var window = _windows.GetOrAdd(reason, _ => new Window());
        long suppressed;
        lock (window)
        {
            if (window.LastWritten is { } last && now - last < Interval)
            {
                window.Suppressed++;
                return;
            }
            suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastWritten = now;
        }
        LogRefused(reason, method, suppressed);
    }

    private sealed class Window
    {
        public DateTimeOffset? LastWritten { get; set; }
        public long Suppressed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a malformed client request ({Reason}) on {Method}; {Suppressed} more of this kind since the last such line")]
    private partial void LogRefused(string reason, string method, long suppressed);
}
