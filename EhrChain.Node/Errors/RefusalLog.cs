using System.Collections.Concurrent;

namespace EhrChain.Node.Errors;

/// <summary>
/// One warning line per kind of client or peer mistake per interval, with the count of those it did
/// not write: a stranger who sends garbage all day costs the log a line a minute, never a stack trace.
/// </summary>
public sealed partial class RefusalLog(ILogger<RefusalLog> logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Window> _windows = new(StringComparer.Ordinal);

    /// <summary>Counts one refusal of <paramref name="reason"/>; writes a line if none was written for it within the interval.</summary>
    public void Refused(string reason, string method)
    {
        if (TakeLine(reason) is { } suppressed)
        {
            LogRefused(reason, method, suppressed);
        }
    }

    /// <summary>
    /// Counts one refused peer stream of <paramref name="reason"/> (a fixed code, so the table stays
    /// small whatever a stranger sends); writes <paramref name="detail"/> on the line, if one is
    /// written. The detail must quote any input it holds with <see cref="ApiErrors.Quote"/>.
    /// </summary>
    public void RefusedPeer(string reason, string address, string detail)
    {
        if (TakeLine(reason) is { } suppressed)
        {
            LogRefusedPeer(reason, address, detail, suppressed);
        }
    }

    /// <summary>The count of refusals not written since the last line, when this one may write a line; null when it may not.</summary>
    private long? TakeLine(string reason)
    {
        var now = time.GetUtcNow();
        var window = _windows.GetOrAdd(reason, _ => new Window());
        lock (window)
        {
            if (window.LastWritten is { } last && now - last < Interval)
            {
                window.Suppressed++;
                return null;
            }
            var suppressed = window.Suppressed;
            window.Suppressed = 0;
            window.LastWritten = now;
            return suppressed;
        }
    }

    private sealed class Window
    {
        public DateTimeOffset? LastWritten { get; set; }
        public long Suppressed { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a malformed client request ({Reason}) on {Method}; {Suppressed} more of this kind since the last such line")]
    private partial void LogRefused(string reason, string method, long suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a peer stream ({Reason}) from {Address}: {Detail}; {Suppressed} more of this kind since the last such line")]
    private partial void LogRefusedPeer(string reason, string address, string detail, long suppressed);
}
