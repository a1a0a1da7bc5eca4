using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Execution;

/// <summary>Result values: OK, or a code with one sentence saying why (the sentence is hashed into the results root, so it must be deterministic).</summary>
internal static class TxResults
{
    public static TxResult Ok() => new() { Code = TxResultCode.Ok };

    public static TxResult Reject(TxResultCode code, string reason) => new() { Code = code, Reason = reason };

    public static TxResult Denied(string reason) => Reject(TxResultCode.AccessDenied, reason);

    public static TxResult Invalid(string reason) => Reject(TxResultCode.InvalidArgument, reason);

    public static TxResult NotFound(string reason) => Reject(TxResultCode.NotFound, reason);
}
