namespace EhrChain.Node.AccessLog;

/// <summary>The "AccessLog" section: how a node batches the reads it answered into access-log transactions.</summary>
public sealed class AccessLogOptions
{
    public const string SectionName = "AccessLog";

    /// <summary>A transaction is cut once this many entries wait (and at most this many go in one).</summary>
    public int BatchMaxEntries { get; set; } = 256;

    /// <summary>Entries wait at most this long before they are submitted, however few.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>A submitted transaction not yet in a block after this long is submitted again (same bytes).</summary>
    public TimeSpan ResubmitAfter { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Entries not yet on the chain beyond which the node refuses reads of content (it could not log more).</summary>
    public int MaxPendingEntries { get; set; } = 100_000;

    public IEnumerable<string> Validate()
    {
        if (BatchMaxEntries is < 1 or > 1024)
        {
            yield return "AccessLog:BatchMaxEntries must be between 1 and 1024.";
        }
        if (FlushInterval <= TimeSpan.Zero)
        {
            yield return "AccessLog:FlushInterval must be positive.";
        }
        if (ResubmitAfter <= TimeSpan.Zero)
        {
            yield return "AccessLog:ResubmitAfter must be positive.";
        }
        if (MaxPendingEntries < BatchMaxEntries)
        {
            yield return "AccessLog:MaxPendingEntries must be at least AccessLog:BatchMaxEntries.";
        }
    }
}
