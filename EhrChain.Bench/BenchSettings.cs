using System.Globalization;

namespace EhrChain.Bench;

/// <summary>What the benchmark submits: entries appended to records, grants and revocations, or both.</summary>
public enum BenchMix
{
    Append,
    Grant,
    Mixed,
}

/// <summary>
/// One benchmark run as the command line describes it. <see cref="Rate"/> is null for a closed
/// loop (<c>--rate max</c>): each client keeps <see cref="InFlight"/> transactions uncommitted.
/// </summary>
public sealed record BenchSettings(
    IReadOnlyList<string> Nodes,
    int LocalNodes,
    TimeSpan Duration,
    TimeSpan Warmup,
    int Clients,
    double? Rate,
    BenchMix Mix,
    int Payload,
    string OutDirectory,
    int InFlight,
    string? AdminKey,
    BenchSubmit Submit = BenchSubmit.Stream,
    string? ReaderKey = null)
{
    /// <summary>Smallest and largest entry content: the contract takes 28 B – 64 KiB of ciphertext, and AES-GCM adds 28 bytes.</summary>
    public const int MinPayload = 1;
    public const int MaxPayload = 64 * 1024 - 28;

    public bool IsLocal => LocalNodes > 0;

    public bool IsClosedLoop => Rate is null;

    /// <summary>Every problem with the settings as a sentence; empty when they can run.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (IsLocal == (Nodes.Count > 0))
        {
            problems.Add("Give either --local N or --nodes host:port,..., not both and not neither.");
        }
        if (IsLocal && (LocalNodes < 4 || (LocalNodes - 1) % 3 != 0))
        {
            problems.Add($"--local {LocalNodes}: PBFT needs n = 3f + 1 with f >= 1 (4, 7, 10...).");
        }
        if (!IsLocal && Nodes.Count > 0 && string.IsNullOrEmpty(AdminKey))
        {
            problems.Add("--nodes needs --admin-key: the benchmark enrols its participants as the network's Admin.");
        }
        if (!IsLocal && Nodes.Count > 0 && string.IsNullOrEmpty(ReaderKey))
        {
            problems.Add("--nodes needs --reader-key: the benchmark follows commits on a Subscribe stream, which only a validator or an auditor sees whole.");
        }
        if (Duration <= TimeSpan.Zero)
        {
            problems.Add("--duration must be more than zero.");
        }
        if (Warmup < TimeSpan.Zero)
        {
            problems.Add("--warmup cannot be negative.");
        }
        if (Clients < 1)
        {
            problems.Add("--clients must be at least 1.");
        }
        if (InFlight < 1)
        {
            problems.Add("--inflight must be at least 1.");
        }
        if (Rate is <= 0)
        {
            problems.Add("--rate must be more than zero, or max.");
        }
        if (Payload is < MinPayload or > MaxPayload)
        {
            problems.Add($"--payload must be between {MinPayload} and {MaxPayload} bytes.");
        }
        return problems;
    }

    /// <summary>"max" for a closed loop, else transactions per second (a decimal number).</summary>
    public static bool TryParseRate(string text, out double? rate)
    {
        rate = null;
        if (string.Equals(text, "max", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 0 && double.IsFinite(value))
        {
            rate = value;
            return true;
        }
        return false;
    }

    public static bool TryParseMix(string text, out BenchMix mix) =>
        Enum.TryParse(text, ignoreCase: true, out mix) && Enum.IsDefined(mix) && !int.TryParse(text, out _);

    public static bool TryParseSubmit(string text, out BenchSubmit submit) =>
        Enum.TryParse(text, ignoreCase: true, out submit) && Enum.IsDefined(submit) && !int.TryParse(text, out _);

    /// <summary>A comma-separated list of host:port client addresses; empty entries are skipped.</summary>
    public static bool TryParseNodes(string text, out IReadOnlyList<string> nodes, out string? problem)
    {
        var list = new List<string>();
        problem = null;
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = part.LastIndexOf(':');
            if (colon <= 0 || !int.TryParse(part.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            {
                problem = $"'{part}' is not host:port.";
                nodes = [];
                return false;
            }
            list.Add(part);
        }
        if (list.Count == 0)
        {
            problem = "--nodes names no node.";
        }
        nodes = list;
        return list.Count > 0;
    }

    /// <summary>A label for reports: "max (closed loop, 16 × 32 in flight)" or "2000 tx/s (open loop)".</summary>
    public string RateLabel => Rate is { } r
        ? string.Create(CultureInfo.InvariantCulture, $"{r:0.##} tx/s (open loop)")
        : string.Create(CultureInfo.InvariantCulture, $"max (closed loop, {Clients} clients x {InFlight} in flight)");
}
