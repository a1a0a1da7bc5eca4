using System.Diagnostics;
using System.Runtime.InteropServices;

namespace EhrChain.Node.Network;

/// <summary>
/// Asks a process to stop gracefully. On Unix that is SIGTERM (the .NET host turns it into an
/// orderly shutdown); Process.Kill would send SIGKILL and skip it.
/// </summary>
public static partial class ProcessSignals
{
    private const int SigTerm = 15;

    public static void Terminate(Process process)
    {
        if (OperatingSystem.IsWindows() || Kill(process.Id, SigTerm) != 0)
        {
            process.Kill();
        }
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
