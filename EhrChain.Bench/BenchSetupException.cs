namespace EhrChain.Bench;

/// <summary>The cluster refused what the benchmark needs before it can measure (enrolments, records, grants): the run does not start.</summary>
public sealed class BenchSetupException : Exception
{
    public BenchSetupException() { }
    public BenchSetupException(string message) : base(message) { }
    public BenchSetupException(string message, Exception inner) : base(message, inner) { }
}
