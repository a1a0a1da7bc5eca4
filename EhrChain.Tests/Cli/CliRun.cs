using EhrChain.Cli;

namespace EhrChain.Tests.Cli;

/// <summary>Runs the ehrchain command in-process and captures what it prints.</summary>
internal static class CliRun
{
    private static readonly SemaphoreSlim ConsoleLock = new(1, 1);

    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] args)
    {
        // The CLI writes to Console.Out; one run at a time may own it.
        await ConsoleLock.WaitAsync();
        var originalOut = Console.Out;
        try
        {
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            Console.SetOut(stdout);
            var code = await CliApp.RunAsync(args, stderr);
            return (code, stdout.ToString(), stderr.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            ConsoleLock.Release();
        }
    }
}
