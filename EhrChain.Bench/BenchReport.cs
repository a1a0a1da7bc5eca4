using System.Text.Json;
using System.Text.Json.Serialization;

namespace EhrChain.Bench;

/// <summary>Everything one run measured, as report.json holds it and the page and table show it.</summary>
internal sealed record BenchReport
{
    public required DateTimeOffset StartedAt { get; init; }
    public required string Machine { get; init; }
    public required int Cores { get; init; }
    public required string LoadAverageBefore { get; init; }
    public required string LoadAverageAfter { get; init; }
    public required string Command { get; init; }
    public required IReadOnlyList<string> Nodes { get; init; }
    public required bool LocalCluster { get; init; }
    public required string Mix { get; init; }
    public required string Rate { get; init; }
    public required int Clients { get; init; }
    public required int PayloadBytes { get; init; }
    public required double WarmupSeconds { get; init; }
    public required double DurationSeconds { get; init; }
    public required long Presigned { get; init; }
    public required bool PresignedExhausted { get; init; }
    public required long Submitted { get; init; }
    public required long CommittedInWindow { get; init; }
    public required long RejectedInWindow { get; init; }
    public required double CommittedPerSecond { get; init; }
    public required double MeanBlockSize { get; init; }
    public required LatencySummary Latency { get; init; }
    public required IReadOnlyDictionary<string, long> Rejections { get; init; }
    public required CryptoCeiling.Result Crypto { get; init; }
    public required double FractionOfCryptoCeiling { get; init; }
    public required IReadOnlyList<ProcessSummary> Processes { get; init; }
    public required IReadOnlyList<TimelinePoint> Timeline { get; init; }
    public required IReadOnlyList<ProcessSeries> ProcessTimeline { get; init; }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // CPU of a process that could not be read is NaN; JSON has no NaN, so it is written as a string.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static BenchReport FromJson(string json) =>
        JsonSerializer.Deserialize<BenchReport>(json, JsonOptions) ?? throw new JsonException("report.json holds no report.");
}

/// <summary>A watched process's per-second CPU and memory, for the page's charts.</summary>
internal sealed record ProcessSeries(string Name, IReadOnlyList<ProcessPoint> Points);
