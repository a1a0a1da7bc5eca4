using System.Text;
using EhrChain.Core.Wire;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;

namespace EhrChain.Node.Errors;

/// <summary>
/// gRPC errors with google.rpc details: an ErrorInfo whose reason a program can switch on
/// (ACCESS_DENIED, BAD_SIGNATURE, ...) and, for malformed input, a BadRequest naming the field.
/// Whatever a caller quotes of the client's input is cut to a short prefix here, so a megabyte
/// id is never echoed back into grpc-message, the details or a log line, and its control
/// characters are written as visible escapes, so no client text can start a forged log line.
/// </summary>
public static class ApiErrors
{
    public const string Domain = "ehrchain.v1";

    /// <summary>The longest piece of client input a message quotes.</summary>
    public const int MaxQuotedChars = 64;

    /// <summary>The longest message (and metadata value) sent back; room for a sentence and a few quotes.</summary>
    public const int MaxMessageChars = 512;

    private const char Ellipsis = '…';

    public static RpcException Create(StatusCode code, string reason, string message, IReadOnlyDictionary<string, string>? metadata = null, string? field = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        message = Bounded(message);
        var info = new ErrorInfo { Reason = reason, Domain = Domain };
        if (metadata is not null)
        {
            foreach (var (key, value) in metadata)
            {
                info.Metadata[key] = Prefix(value, MaxMessageChars);
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

    /// <summary>A size limit: RESOURCE_EXHAUSTED with the field that is too large.</summary>
    public static RpcException TooLarge(string reason, string field, string message) =>
        Create(StatusCode.ResourceExhausted, reason, message, field: field);

    /// <summary>A request message over the port's limit (its gRPC length prefix says so, before any of it is read).</summary>
    public static RpcException MessageTooLarge(long bytes, int limit) =>
        TooLarge("MESSAGE_TOO_LARGE", "request", $"The request message is {bytes} bytes; this port accepts at most {limit}.");

    /// <summary>A request message whose bytes are not the method's request type.</summary>
    public static RpcException Undecodable(string messageType) =>
        BadRequest("UNDECODABLE_MESSAGE", "request", $"The request message does not decode as {messageType}.");

    /// <summary>A request body that is not gRPC framing: a short body, a bad header, or more messages than the method takes.</summary>
    public static RpcException MalformedFrame(string problem) =>
        BadRequest("MALFORMED_FRAME", "request", $"The request is not well-framed gRPC: {problem}.");

    /// <summary>A request message in a compression the node does not take for that method.</summary>
    public static RpcException CompressionNotSupported(string message) =>
        Create(StatusCode.Unimplemented, "COMPRESSION_NOT_SUPPORTED", message);

    /// <summary>
    /// Client input as a message or a log line quotes it: control characters (and the Unicode line
    /// and paragraph separators) as C-style escapes, a backslash doubled so an escape cannot be
    /// faked, at most <see cref="MaxQuotedChars"/> characters of that, then an ellipsis.
    /// </summary>
    public static string Quote(string? input)
    {
        input ??= "";
        var text = new StringBuilder(Math.Min(input.Length, MaxQuotedChars) + 1);
        for (var i = 0; i < input.Length; i++)
        {
            var c = input[i];
            var escaped = Escape(c);
            var length = escaped?.Length ?? (char.IsHighSurrogate(c) && i + 1 < input.Length ? 2 : 1);
            if (text.Length + length > MaxQuotedChars)
            {
                return text.Append(Ellipsis).ToString();
            }
            if (escaped is not null)
            {
                text.Append(escaped);
            }
            else
            {
                text.Append(input, i, length);
                i += length - 1;
            }
        }
        return text.ToString();
    }

    private static string? Escape(char c) => c switch
    {
        '\\' => @"\\",
        '\n' => @"\n",
        '\r' => @"\r",
        '\t' => @"\t",
        '\0' => @"\0",
        _ when char.IsControl(c) || c is '\u2028' or '\u2029' => $@"\u{(int)c:x4}",
        _ => null,
    };

    /// <summary>
    /// Cuts every single-quoted run (the house style for quoting input: <c>'{value}'</c>) to
    /// <see cref="MaxQuotedChars"/>, then the whole message to <see cref="MaxMessageChars"/>:
    /// a caller that forgets <see cref="Quote"/> still cannot echo more than that (an input with
    /// its own apostrophes can misalign the quotes, which is why callers quote explicitly too).
    /// </summary>
    public static string Bounded(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Length <= MaxQuotedChars + 2)
        {
            return message;
        }
        var text = new StringBuilder(Math.Min(message.Length, MaxMessageChars + 1));
        var at = 0;
        while (at < message.Length && text.Length <= MaxMessageChars)
        {
            var open = message.IndexOf('\'', at);
            if (open < 0)
            {
                text.Append(message, at, message.Length - at);
                break;
            }
            var close = message.IndexOf('\'', open + 1);
            if (close < 0)
            {
                text.Append(message, at, message.Length - at);
                break;
            }
            text.Append(message, at, open + 1 - at);
            var quoted = close - open - 1;
            if (quoted <= MaxQuotedChars)
            {
                text.Append(message, open + 1, quoted);
            }
            else
            {
                var cut = char.IsHighSurrogate(message[open + MaxQuotedChars]) ? MaxQuotedChars - 1 : MaxQuotedChars;
                text.Append(message, open + 1, cut).Append(Ellipsis);
            }
            text.Append('\'');
            at = close + 1;
        }
        return Prefix(text.ToString(), MaxMessageChars);
    }

    private static string Prefix(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }
        // Never split a surrogate pair: the cut text must stay valid UTF-16 for grpc-message.
        var cut = char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
        return string.Concat(text.AsSpan(0, cut), "…");
    }

    /// <summary>The ErrorInfo reason of a refusal (ACCESS_DENIED, ...), or its status code's name when it has none.</summary>
    public static string ReasonOf(RpcException refusal)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        return refusal.GetRpcStatus()?.GetDetail<ErrorInfo>()?.Reason ?? refusal.StatusCode.ToString();
    }

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
