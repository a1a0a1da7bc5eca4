using Grpc.Core;

namespace EhrChain.Client.Session;

/// <summary>What a node's gRPC error says in machine terms: the reason a caller branches on.</summary>
public static class RpcErrors
{
    /// <summary>The ErrorInfo reason a node gave, or the bare status code when it gave none.</summary>
    public static string ReasonOf(RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason ?? e.StatusCode.ToString();
    }
}
