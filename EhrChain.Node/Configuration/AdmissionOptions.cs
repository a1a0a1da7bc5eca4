namespace EhrChain.Node.Configuration;

/// <summary>The "Admission" section: what a node accepts from clients before consensus sees it.</summary>
public sealed class AdmissionOptions
{
    public const string SectionName = "Admission";

    /// <summary>The largest signed transaction accepted.</summary>
    public int MaxTransactionBytes { get; set; } = 256 * 1024;

    /// <summary>How old a transaction's created time may be: older ones are refused, so a captured transaction cannot be replayed much later.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How far ahead of this node's clock a created time may be.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long Submit with wait holds the call open for the commit.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<string> Validate()
    {
        if (MaxTransactionBytes < 1024)
        {
            yield return "Admission:MaxTransactionBytes must be at least 1024.";
        }
        if (MaxAge <= TimeSpan.Zero)
        {
            yield return "Admission:MaxAge must be positive.";
        }
        if (MaxClockSkew < TimeSpan.Zero)
        {
            yield return "Admission:MaxClockSkew cannot be negative.";
        }
        if (MaxWait <= TimeSpan.Zero)
        {
            yield return "Admission:MaxWait must be positive.";
        }
    }
}
