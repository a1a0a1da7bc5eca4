using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Core.Chain;

/// <summary>Transaction ids: SHA-256 of the exact payload bytes the signer signed.</summary>
public static class TransactionIds
{
    public static Hash OfPayload(ReadOnlySpan<byte> payload) => Hash.Compute(payload);

    /// <summary>
    /// The id of a transaction as ordered into a block. Bytes that are not a SignedTransaction (a
    /// faulty primary can order anything) are identified by the hash of the bytes themselves, so
    /// every position in a block still has a well-defined id.
    /// </summary>
    public static Hash OfSignedTransaction(ReadOnlySpan<byte> signedTransaction)
    {
        SignedTransaction? parsed;
        try
        {
            parsed = SignedTransaction.Parser.ParseFrom(signedTransaction);
        }
        catch (InvalidProtocolBufferException)
        {
            parsed = null;
        }
        return OfOrdered(signedTransaction, parsed);
    }

    /// <summary>
    /// <see cref="OfSignedTransaction"/> for a caller that has already parsed the bytes:
    /// <paramref name="parsed"/> is null when they did not parse.
    /// </summary>
    public static Hash OfOrdered(ReadOnlySpan<byte> bytes, SignedTransaction? parsed) =>
        parsed is not null && !parsed.Payload.IsEmpty ? OfPayload(parsed.Payload.Span) : Hash.Compute(bytes);

    public static Hash[] OfBlock(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var ids = new Hash[block.Transactions.Count];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = OfSignedTransaction(block.Transactions[i].Span);
        }
        return ids;
    }
}
