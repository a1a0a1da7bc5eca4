using EhrChain.Core.Wire;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EhrChain.Node.Api;

/// <summary>
/// gRPC errors with google.rpc details: an ErrorInfo whose reason a program can switch on
/// (ACCESS_DENIED, BAD_SIGNATURE, ...) and, for malformed input, a BadRequest naming the field.
/// </summary>
public static class ApiErrors
{
    public const string Domain = "ehrchain.v1";

    public static RpcException Create(StatusCode code, string reason, string message, IReadOnlyDictionary<string, string>? metadata = null, string? field = null)
    {
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                info.Metadata[key] = value;
            }
        }
        var status = new Google.Rpc.Status { Code = (int)code, Message = message, Details = { Any.Pack(info) } };
        if (field is not null)
        {
            status.Details.Add(Any.Pack(new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = message } } }));
        }
        return status.ToRpcException();
    }

    public static RpcException BadRequest(string reason, string field, string message) =>
        Create(StatusCode.InvalidArgument, reason, message, field: field);

    /// <summary>The status for a transaction result that is not OK, so admission and Submit-with-wait agree.</summary>
    public static (StatusCode Code, string Reason) ForResult(TxResultCode code) => code switch
    {
        TxResultCode.Malformed => (StatusCode.InvalidArgument, "MALFORMED"),
        TxResultCode.BadSignature => (StatusCode.Unauthenticated, "BAD_SIGNATURE"),
        TxResultCode.UnknownSigner => (StatusCode.Unauthenticated, "UNKNOWN_SIGNER"),
        TxResultCode.ParticipantSuspended => (StatusCode.PermissionDenied, "PARTICIPANT_SUSPENDED"),
        TxResultCode.AccessDenied => (StatusCode.PermissionDenied, "ACCESS_DENIED"),
        TxResultCode.NotFound => (StatusCode.NotFound, "NOT_FOUND"),
        TxResultCode.AlreadyExists => (StatusCode.AlreadyExists, "ALREADY_EXISTS"),
        TxResultCode.InvalidArgument => (StatusCode.InvalidArgument, "INVALID_ARGUMENT"),
        TxResultCode.DuplicateTx => (StatusCode.AlreadyExists, "DUPLICATE_TX"),
        TxResultCode.WrongChain => (StatusCode.InvalidArgument, "WRONG_CHAIN"),
        TxResultCode.Expired => (StatusCode.PermissionDenied, "GRANT_EXPIRED"),
        TxResultCode.StaleKeyEpoch => (StatusCode.FailedPrecondition, "STALE_KEY_EPOCH"),
        _ => (StatusCode.Internal, "UNKNOWN_RESULT"),
    };

    public static RpcException ForReadStatus(ReadStatus status, string reason) => status switch
    {
        ReadStatus.AccessDenied => Create(StatusCode.PermissionDenied, "ACCESS_DENIED", reason),
        ReadStatus.NotFound => Create(StatusCode.NotFound, "NOT_FOUND", reason),
        ReadStatus.InvalidRequest => Create(StatusCode.InvalidArgument, "INVALID_READ_REQUEST", reason, field: "request"),
        _ => Create(StatusCode.Internal, "UNKNOWN_READ_STATUS", reason),
    };
}
