using EhrChain.Contracts.Execution;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Configuration;
using EhrChain.Node.Errors;
using EhrChain.Storage;
using Grpc.Core;

namespace EhrChain.Node.Admission;

/// <summary>
/// What a node checks before a client's transaction enters the mempool: size, the contract's
/// well-formedness rule, the created-time window, duplicate id, and the contract's signer rule
/// (enrolled, active, signed by its key) against the committed state. The rules are the ones
/// execution applies (<see cref="TransactionRules"/>); this class adds only what is a node's own
/// (size, clock, the tx index) and maps a rule's code to a gRPC status. Whether the signer may do
/// what it asks is the contract's call at execution; a refusal there is kept in the block.
/// </summary>
public sealed class TransactionAdmission(GenesisFile genesis, IChainStore store, AdmissionOptions options, TimeProvider time, VerifiedSignatures verified)
{
    /// <summary>Returns the admitted transaction, decoded once for the rest of its path, or throws an RpcException saying why not.</summary>
    public DecodedTransaction Admit(SignedTransaction? transaction)
    {
        if (transaction is null)
        {
            throw ApiErrors.BadRequest("MALFORMED", "transaction", "The request carries no transaction.");
        }
        var tx = DecodedTransaction.FromMessage(transaction);
        if (tx.Bytes.Length > options.MaxTransactionBytes)
        {
            throw ApiErrors.BadRequest("TX_TOO_LARGE", "transaction", $"The transaction is {tx.Bytes.Length} bytes; the limit is {options.MaxTransactionBytes}.");
        }
        if (TransactionRules.WellFormed(tx, genesis.ChainId) is { } malformed)
        {
            throw Refusal(malformed, FieldOf(tx, malformed.Code));
        }
        var payload = tx.Payload!;

        var refusal = CreatedTimeRefusal(payload.CreatedUnixMs, time.GetUtcNow().ToUnixTimeMilliseconds());
        if (refusal is not null)
        {
            throw refusal;
        }

        if (store.FindTransaction(tx.TxId) is not null)
        {
            throw ApiErrors.Create(StatusCode.AlreadyExists, "DUPLICATE_TX", $"Transaction {tx.TxId} is already in the chain.", new Dictionary<string, string> { ["tx_id"] = tx.TxId.ToString() });
        }

        using var view = store.OpenView();
        var signer = TransactionRules.SignerOf(view, genesis.Validators, payload);
        if (TransactionRules.Authenticated(payload, signer, key => TransactionRules.Verify(tx, key)) is { } unauthenticated)
        {
            throw Refusal(unauthenticated, field: null);
        }
        // The executor takes this check instead of verifying again, if the key is still the signer's then.
        verified.Add(tx.TxId, tx.Message!.Signature.Span, signer!.SigningPublicKey.Span);
        return tx;
    }

    private static RpcException Refusal(TxResult result, string? field)
    {
        var (code, reason) = ApiErrors.ForResult(result.Code);
        return ApiErrors.Create(code, reason, result.Reason, field: field);
    }

    /// <summary>The request field a well-formedness refusal points at, for a client that highlights it.</summary>
    private static string FieldOf(DecodedTransaction tx, TxResultCode code) =>
        code == TxResultCode.WrongChain ? "transaction.payload.chain_id"
        : tx.Payload is null ? "transaction.payload"
        : tx.Payload.ActionCase == TransactionPayload.ActionOneofCase.None ? "transaction.payload.action"
        : "transaction.signature";

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
