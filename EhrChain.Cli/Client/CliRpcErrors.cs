using EhrChain.Cli.Output;
using Grpc.Core;

namespace EhrChain.Cli.Client;

/// <summary>Turns a node's gRPC error into one line a person can act on, and an exit code.</summary>
internal static class CliRpcErrors
{
    public static CliException Describe(RpcException e, string node)
    {
        var info = e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>();
        return e.StatusCode switch
        {
            // gRPC reports a refused certificate as Internal or Unavailable depending on when the handshake failed.
            StatusCode.Unavailable or StatusCode.Internal when IsTlsFailure(e) => new CliException(
                $"the TLS handshake with {node} failed: {TlsReason(e)} (--ca FILE names the network CA, e.g. {Commands.GlobalOptions.DefaultCa}; --insecure only for a plaintext node)")
            { ExitCode = ExitCodes.Unavailable },
            StatusCode.Unavailable when e.Status.Detail.Contains("HTTP/2 handshake", StringComparison.Ordinal) => new CliException(
                $"cannot reach a node at {node}: it did not answer plaintext HTTP/2 (nodes speak TLS unless run with Node:Insecure=true; drop --insecure)")
            { ExitCode = ExitCodes.Unavailable },
            StatusCode.Unavailable => new CliException($"cannot reach a node at {node}: {e.Status.Detail}") { ExitCode = ExitCodes.Unavailable },
            StatusCode.DeadlineExceeded when info is null => new CliException($"the node at {node} did not answer in time (--timeout).") { ExitCode = ExitCodes.Unavailable },
            _ => new CliException(info is null ? e.Status.Detail : $"{info.Reason}: {e.Status.Detail}") { ExitCode = ExitCodes.Refused },
        };
    }

    private static IEnumerable<Exception> Causes(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            yield return cause;
        }
    }

    private static bool IsTlsFailure(RpcException e) =>
        Causes(e.Status.DebugException ?? e).Any(c => c is System.Security.Authentication.AuthenticationException);

    private static string TlsReason(RpcException e) =>
        Causes(e.Status.DebugException ?? e).OfType<System.Security.Authentication.AuthenticationException>().First().Message;
}
