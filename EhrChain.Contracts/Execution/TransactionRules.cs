using EhrChain.Contracts.Membership;
using EhrChain.Contracts.State;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// The rules every transaction passes before its action, written once: admission (against the
/// committed state), consensus validation (the stateless part) and execution (against the block's
/// state, deterministically) all call these, and a node maps the result code to its gRPC status.
/// A reason is stored in the block, for every node to hash alike and for anyone who reads the
/// chain: it names no participant and repeats nothing the client chose.
/// </summary>
public static class TransactionRules
{
    /// <summary>
    /// Stateless: the bytes decode to a signed transaction with an action, a 64-byte signature, for
    /// this chain. Replicas at different heights agree on it, so consensus may refuse a batch for it.
    /// </summary>
    public static TxResult? WellFormed(DecodedTransaction tx, string chainId)
    {
        ArgumentNullException.ThrowIfNull(tx);
        if (tx.Payload is not { } payload)
        {
            return TxResults.Reject(TxResultCode.Malformed, tx.Problem ?? "The transaction does not decode.");
        }
        if (payload.ActionCase == TransactionPayload.ActionOneofCase.None)
        {
            return TxResults.Reject(TxResultCode.Malformed, "The payload carries no action.");
        }
        if (tx.Message!.Signature.Length != SigningPublicKey.SignatureSize)
        {
            return TxResults.Reject(TxResultCode.Malformed, $"The signature is {tx.Message.Signature.Length} bytes, not {SigningPublicKey.SignatureSize}.");
        }
        if (payload.ChainId != chainId)
        {
            return TxResults.Reject(TxResultCode.WrongChain, $"The transaction is for another chain; this one is '{chainId}'.");
        }
        return null;
    }

    /// <summary>
    /// Who must have signed a well-formed transaction and with which key: a vote on the validators
    /// and an access log by a current validator's node key, a key release by an emergency trustee
    /// of the genesis file, anything else by an enrolled participant. Null when no such signer exists.
    /// </summary>
    public static TransactionSigner? SignerOf(IStateReader state, IReadOnlyList<GenesisValidator> genesisValidators, TransactionPayload payload)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(payload);
        if (!Core.Identifiers.IsValid(payload.SignerId))
        {
            return null;
        }
        if (IsSignedByValidator(payload))
        {
            return ValidatorMembershipReader.Read(state, genesisValidators).Validators.FirstOrDefault(v => v.Id == payload.SignerId) is { } validator
                ? new TransactionSigner(SignerKind.Validator, validator.Id, validator.SigningPublicKey, null, validator, null)
                : null;
        }
        if (payload.ActionCase == TransactionPayload.ActionOneofCase.EmergencyRelease)
        {
            return new EhrState(state).EmergencyConfig()?.Trustees.FirstOrDefault(t => t.Id == payload.SignerId) is { } trustee
                ? new TransactionSigner(SignerKind.Trustee, trustee.Id, trustee.SigningPublicKey, null, null, trustee)
                : null;
        }
        return new EhrState(state).Participant(payload.SignerId) is { } participant
            ? new TransactionSigner(SignerKind.Participant, participant.Id, participant.SigningPublicKey, participant, null, null)
            : null;
    }

    /// <summary>
    /// The signer exists, its key signed the payload and, for a participant, it is active; null when
    /// all hold. <paramref name="signatureHolds"/> checks the signature against a key (a caller that
    /// verified it already, in parallel or at admission, answers from that).
    /// </summary>
    public static TxResult? Authenticated(TransactionPayload payload, TransactionSigner? signer, Func<ByteString, bool> signatureHolds)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(signatureHolds);
        if (signer is null)
        {
            return TxResults.Reject(TxResultCode.UnknownSigner, UnknownSignerReason(payload));
        }
        if (!signatureHolds(signer.SigningPublicKey))
        {
            var whose = signer.Kind switch
            {
                SignerKind.Validator => "the validator's",
                SignerKind.Trustee => "the trustee's",
                _ => "the signer's",
            };
            return TxResults.Reject(TxResultCode.BadSignature, $"The signature is not {whose} signature of this transaction.");
        }
        if (signer.Participant is { Status: not ParticipantStatus.Active })
        {
            return TxResults.Reject(TxResultCode.ParticipantSuspended, "The signer is suspended; none of their transactions are accepted.");
        }
        return null;
    }

    /// <summary>Verifies <paramref name="tx"/>'s signature against <paramref name="key"/> in the transaction domain.</summary>
    public static bool Verify(DecodedTransaction tx, ByteString key)
    {
        ArgumentNullException.ThrowIfNull(tx);
        ArgumentNullException.ThrowIfNull(key);
        return tx.Message is { } signed
            && SigningPublicKey.TryFromBytes(key.Span, out var publicKey)
            && publicKey.Verify(SigningDomain.Transaction, signed.Payload.Span, signed.Signature.Span);
    }

    /// <summary>A vote and an access log are signed by a validator's node key, not a participant's.</summary>
    private static bool IsSignedByValidator(TransactionPayload payload) =>
        payload.ActionCase is TransactionPayload.ActionOneofCase.VoteValidatorChange or TransactionPayload.ActionOneofCase.RecordAccessLog;

    private static string UnknownSignerReason(TransactionPayload payload) => payload.ActionCase switch
    {
        TransactionPayload.ActionOneofCase.VoteValidatorChange => "The signer is not a current validator; only a current validator may vote on a validator change.",
        TransactionPayload.ActionOneofCase.RecordAccessLog => "The signer is not a current validator; only a current validator may record the reads it answered.",
        TransactionPayload.ActionOneofCase.EmergencyRelease => "The signer is not an emergency trustee; only a trustee of the network may release keys.",
        _ => "The signer is not an enrolled participant.",
    };
}

public enum SignerKind
{
    Participant,
    Validator,
    Trustee,
}

/// <summary>The signer a transaction names, as the state knows it: exactly one of participant, validator and trustee is set.</summary>
public sealed record TransactionSigner(SignerKind Kind, string Id, ByteString SigningPublicKey, Participant? Participant, ValidatorInfo? Validator, EmergencyTrustee? Trustee);
