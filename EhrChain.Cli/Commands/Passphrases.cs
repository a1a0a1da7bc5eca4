using EhrChain.Cli.Output;

namespace EhrChain.Cli.Commands;

/// <summary>Passphrases come from environment variables, never from the command line, where ps and shell history would show them.</summary>
internal static class Passphrases
{
    public static string? FromEnvironment(string? variable)
    {
        if (string.IsNullOrEmpty(variable))
        {
            return null;
        }
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(value)
            ? throw new CliException($"The passphrase variable '{variable}' is not set or empty.")
            : value;
    }
}
