using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>
/// One transaction decoded once, where it arrives: its exact bytes, the signed message and its
/// payload (null when they do not decode, with the problem said), its id and its digest. Admission,
/// consensus validation, the executor and the block all take this object rather than the bytes,
/// so none of them parses or hashes the transaction again.
/// </summary>
public sealed class DecodedTransaction
{
    private Hash? _digest;

    private DecodedTransaction(ByteString bytes, Hash txId, SignedTransaction? message, TransactionPayload? payload, string? problem)
    {
        Bytes = bytes;
        TxId = txId;
        Message = message;
        Payload = payload;
        Problem = problem;
    }

    /// <summary>The exact bytes ordered into the block.</summary>
    public ByteString Bytes { get; }

    /// <summary>SHA-256 of the payload the signer signed; for bytes that do not decode, of the bytes themselves.</summary>
    public Hash TxId { get; }

    public SignedTransaction? Message { get; }

    /// <summary>Null exactly when <see cref="Problem"/> is not.</summary>
    public TransactionPayload? Payload { get; }

    /// <summary>Why the bytes are not a signed transaction with a payload; null when they are.</summary>
    public string? Problem { get; }

    /// <summary>
    /// SHA-256 of <see cref="Bytes"/>: the request's identity in consensus and the block's tx-root
    /// leaf. Computed on first use; two threads racing compute the same value.
    /// </summary>
    public Hash Digest => _digest ??= Hash.Compute(Bytes.Span);

    /// <summary>Decodes ordered bytes whose digest consensus computed when they arrived.</summary>
    public static DecodedTransaction Decode(ByteString bytes, Hash digest)
    {
        var decoded = Decode(bytes);
        decoded._digest = digest;
        return decoded;
    }

    /// <summary>Decodes ordered bytes: anything a primary can put in a batch has an outcome, never an exception.</summary>
    public static DecodedTransaction Decode(ByteString bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        SignedTransaction message;
        try
        {
            message = SignedTransaction.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return new DecodedTransaction(bytes, TransactionIds.OfOrdered(bytes.Span, null), null, null, "The transaction bytes are not a signed transaction.");
        }
        return FromSigned(bytes, message);
    }

    /// <summary>A transaction that arrived as a message (a client's submission): its bytes are the message's encoding.</summary>
    public static DecodedTransaction FromMessage(SignedTransaction message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return FromSigned(message.ToByteString(), message);
    }

    private static DecodedTransaction FromSigned(ByteString bytes, SignedTransaction message)
    {
        var id = TransactionIds.OfOrdered(bytes.Span, message);
        if (message.Payload.IsEmpty)
        {
            return new DecodedTransaction(bytes, id, message, null, "The transaction has no payload.");
        }
        try
        {
            return new DecodedTransaction(bytes, id, message, TransactionPayload.Parser.ParseFrom(message.Payload), null);
        }
        catch (InvalidProtocolBufferException)
        {
            return new DecodedTransaction(bytes, id, message, null, "The payload is not a TransactionPayload.");
        }
    }
}
