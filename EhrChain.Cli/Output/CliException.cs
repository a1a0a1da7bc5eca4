namespace EhrChain.Cli.Output;

/// <summary>A failure the user can act on: printed as one line, with <see cref="ExitCode"/>.</summary>
public sealed class CliException : Exception
{
    public CliException() { }
    public CliException(string message) : base(message) { }
    public CliException(string message, Exception inner) : base(message, inner) { }

    public int ExitCode { get; init; } = ExitCodes.Failure;
}
