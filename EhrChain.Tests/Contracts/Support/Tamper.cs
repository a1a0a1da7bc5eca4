using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>Transactions the client library would never build: edited payloads, re-signed by a given actor.</summary>
internal static class Tamper
{
    public static TransactionPayload PayloadOf(SignedTransaction transaction) => TransactionPayload.Parser.ParseFrom(transaction.Payload);

    public static SignedTransaction SignedBy(Actor signer, TransactionPayload payload)
    {
        var bytes = payload.ToByteArray();
        return new SignedTransaction
        {
            Payload = ByteString.CopyFrom(bytes),
            Signature = ByteString.CopyFrom(signer.Keys.Signing.Sign(SigningDomain.Transaction, bytes)),
        };
    }

    /// <summary>Edits what <paramref name="signer"/> built and signs the edited payload again.</summary>
    public static SignedTransaction Edit(Actor signer, SignedTransaction transaction, Action<TransactionPayload> edit)
    {
        var payload = PayloadOf(transaction);
        edit(payload);
        return SignedBy(signer, payload);
    }
}
