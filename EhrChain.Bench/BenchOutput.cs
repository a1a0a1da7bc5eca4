namespace EhrChain.Bench;

/// <summary>
/// What the benchmark writes for people and scripts, handed over by the command that runs it (the
/// CLI's output layer): the bench decides what to say, the CLI how it looks.
/// </summary>
/// <param name="IsJson">JSON mode: only the report document is printed.</param>
/// <param name="Say">A line for people; silent in JSON mode.</param>
/// <param name="Table">A table for people: column names, then rows.</param>
/// <param name="Document">A document printed as it is, in either mode (the JSON report).</param>
public sealed record BenchOutput(bool IsJson, Action<string> Say, Action<string[], IEnumerable<string[]>> Table, Action<string> Document);
