using EhrChain.Contracts.Membership;
using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Node.Configuration;
using EhrChain.Storage;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Node.Admission;

/// <summary>
/// What a node checks before a client's transaction enters the mempool: size, decoding, chain,
/// created-time window, duplicate id, and a signer that is enrolled, active and whose key signed
/// it, all against the committed state. Whether the signer may do what it asks is the contract's
/// call, made deterministically at execution; a refusal there is kept in the block with its reason.
/// </summary>
public sealed class TransactionAdmission(GenesisFile genesis, IChainStore store, AdmissionOptions options, TimeProvider time, VerifiedSignatures verified)
{
    /// <summary>Returns the admitted transaction's exact bytes and id, or throws an RpcException saying why not.</summary>
    public (ByteString Bytes, Hash TxId) Admit(SignedTransaction? transaction)
    {
        if (transaction is null)
        {
            throw ApiErrors.BadRequest("MALFORMED", "transaction", "The request carries no transaction.");
        }
        var bytes = transaction.ToByteString();
        if (bytes.Length > options.MaxTransactionBytes)
        {
            throw ApiErrors.BadRequest("TX_TOO_LARGE", "transaction", $"The transaction is {bytes.Length} bytes; the limit is {options.MaxTransactionBytes}.");
        }

        TransactionPayload payload;
        try
        {
            payload = TransactionPayload.Parser.ParseFrom(transaction.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            throw ApiErrors.BadRequest("MALFORMED", "transaction.payload", "The payload is not a TransactionPayload.");
        }
        if (payload.ActionCase == TransactionPayload.ActionOneofCase.None)
        {
            throw ApiErrors.BadRequest("MALFORMED", "transaction.payload.action", "The payload carries no action.");
        }
        if (payload.ChainId != genesis.ChainId)
        {
            throw ApiErrors.BadRequest("WRONG_CHAIN", "transaction.payload.chain_id", $"The transaction is for chain '{ApiErrors.Quote(payload.ChainId)}', this node runs '{genesis.ChainId}'.");
        }

        var refusal = CreatedTimeRefusal(payload.CreatedUnixMs, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (refusal is not null)
        {
            throw refusal;
        }

        var txId = TransactionIds.OfPayload(transaction.Payload.Span);
        if (store.FindTransaction(txId) is not null)
        {
            throw ApiErrors.Create(StatusCode.AlreadyExists, "DUPLICATE_TX", $"Transaction {txId} is already in the chain.", new Dictionary<string, string> { ["tx_id"] = txId.ToString() });
        }

        using var view = store.OpenView();
        if (payload.ActionCase is TransactionPayload.ActionOneofCase.VoteValidatorChange or TransactionPayload.ActionOneofCase.RecordAccessLog)
        {
            AdmitValidatorSigned(view, payload, transaction);
            return (bytes, txId);
        }
        if (payload.ActionCase == TransactionPayload.ActionOneofCase.EmergencyRelease)
        {
            AdmitRelease(view, payload, transaction);
            return (bytes, txId);
        }
        var signer = new EhrState(view).Participant(payload.SignerId);
        if (signer is null)
        {
            throw ApiErrors.Create(StatusCode.Unauthenticated, "UNKNOWN_SIGNER", $"'{ApiErrors.Quote(payload.SignerId)}' is not an enrolled participant.");
        }
        if (!SigningPublicKey.TryFromBytes(signer.SigningPublicKey.Span, out var key)
            || !key.Verify(SigningDomain.Transaction, transaction.Payload.Span, transaction.Signature.Span))
        {
            throw ApiErrors.Create(StatusCode.Unauthenticated, "BAD_SIGNATURE", $"The signature is not {signer.Id}'s signature of this payload.");
        }
        verified.Add(txId, transaction.Signature.Span, signer.SigningPublicKey.Span);
        if (signer.Status != ParticipantStatus.Active)
        {
            throw ApiErrors.Create(StatusCode.PermissionDenied, "PARTICIPANT_SUSPENDED", $"{signer.Id} is suspended; none of their transactions are accepted.");
        }
        return (bytes, txId);
    }

    /// <summary>
    /// A vote on the validators and an access log are signed by a current validator's node key,
    /// which lives in the membership, not among the participants. Whether the action itself is
    /// acceptable is the contract's call at execution, as for every other action.
    /// </summary>
    private void AdmitValidatorSigned(IStateReader view, TransactionPayload payload, SignedTransaction transaction)
    {
        var what = payload.ActionCase == TransactionPayload.ActionOneofCase.VoteValidatorChange ? "vote on validator changes" : "record the reads they answered";
        var validator = ValidatorMembershipReader.Read(view, genesis.Validators).Validators.FirstOrDefault(v => v.Id == payload.SignerId)
            ?? throw ApiErrors.Create(StatusCode.Unauthenticated, "UNKNOWN_SIGNER", $"'{ApiErrors.Quote(payload.SignerId)}' is not a current validator; only validators {what}.");
        if (!SigningPublicKey.TryFromBytes(validator.SigningPublicKey.Span, out var key)
            || !key.Verify(SigningDomain.Transaction, transaction.Payload.Span, transaction.Signature.Span))
        {
            throw ApiErrors.Create(StatusCode.Unauthenticated, "BAD_SIGNATURE", $"The signature is not validator {validator.Id}'s signature of this payload.");
        }
    }

    /// <summary>A release is signed by an emergency trustee's key, which the genesis block put in the state's emergency settings.</summary>
    private static void AdmitRelease(IStateReader view, TransactionPayload payload, SignedTransaction transaction)
    {
        var trustee = new EhrState(view).EmergencyConfig()?.Trustees.FirstOrDefault(t => t.Id == payload.SignerId)
            ?? throw ApiErrors.Create(StatusCode.Unauthenticated, "UNKNOWN_SIGNER", $"'{ApiErrors.Quote(payload.SignerId)}' is not an emergency trustee; only trustees release keys.");
        if (!SigningPublicKey.TryFromBytes(trustee.SigningPublicKey.Span, out var key)
            || !key.Verify(SigningDomain.Transaction, transaction.Payload.Span, transaction.Signature.Span))
        {
            throw ApiErrors.Create(StatusCode.Unauthenticated, "BAD_SIGNATURE", $"The signature is not trustee {trustee.Id}'s signature of this payload.");
        }
    }

    /// <summary>
    /// The created-time window, compared in milliseconds around now: any int64 a client sends
    /// (int64 min and max included) is a refusal or a pass, never an overflow or an
    /// out-of-range DateTimeOffset.
    /// </summary>
    private RpcException? CreatedTimeRefusal(long createdMs, long nowMs)
    {
        var oldest = nowMs - (long)options.MaxAge.TotalMilliseconds;
        var newest = nowMs + (long)options.MaxClockSkew.TotalMilliseconds;
        if (createdMs < oldest)
        {
            // In double: now minus int64 min does not fit in a long.
            var ago = ((double)nowMs - createdMs) / 1000;
            return ApiErrors.BadRequest("TX_EXPIRED", "transaction.payload.created_unix_ms", $"The transaction was created {ago:F0} s ago; nodes accept transactions up to {options.MaxAge.TotalSeconds:F0} s old.");
        }
        if (createdMs > newest)
        {
            var ahead = ((double)createdMs - nowMs) / 1000;
            return ApiErrors.BadRequest("TX_FROM_THE_FUTURE", "transaction.payload.created_unix_ms", $"The transaction's created time is {ahead:F0} s ahead of this node's clock.");
        }
        return null;
    }
}
