using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// Runs one ordered batch against the state, deterministically: for each transaction, decode,
/// check the chain id, reject a duplicate id, verify the signature against the signer's key in
/// state, require an active signer, then authorise and apply the action. A rejected transaction
/// gets a code and a reason and changes nothing. The only clock is the block time.
/// </summary>
public sealed class EhrExecutor
{
    private readonly string _chainId;
    private readonly VerifiedSignatures? _verified;
    private readonly IReadOnlyList<GenesisValidator> _genesisValidators;

    /// <summary>An executor for a chain whose validators never vote: every validator-change vote is refused.</summary>
    public EhrExecutor(string chainId, VerifiedSignatures? verified = null)
        : this(chainId, [], verified)
    {
    }

    /// <param name="chainId">The genesis chain id.</param>
    /// <param name="genesisValidators">The genesis file's validators: the membership until the first change.</param>
    /// <param name="verified">Signatures this node already verified (at admission); each is used once instead of verifying again.</param>
    public EhrExecutor(string chainId, IReadOnlyList<GenesisValidator> genesisValidators, VerifiedSignatures? verified = null)
    {
        _chainId = Core.Identifiers.Require(chainId, "Chain id");
        _genesisValidators = genesisValidators ?? throw new ArgumentNullException(nameof(genesisValidators));
        _verified = verified;
    }

    public string ChainId => _chainId;

    public IReadOnlyList<GenesisValidator> GenesisValidators => _genesisValidators;

    /// <param name="state">The state as of the previous block.</param>
    /// <param name="isInChain">Whether a transaction id is already in the chain's tx index.</param>
    /// <param name="transactions">The exact SignedTransaction bytes, in consensus order.</param>
    /// <param name="block">The block being derived: its height and batch time.</param>
    public BatchExecution Execute(IStateReader state, Func<Hash, bool> isInChain, IReadOnlyList<ByteString> transactions, BlockContext block)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(isInChain);
        ArgumentNullException.ThrowIfNull(transactions);

        var decoded = PrepareAll(state, transactions);
        var writes = new StateWriteSet();
        var blockState = new StateOverlay(state, writes);
        var history = new List<HistoryAppend>();
        var results = new TxResult[decoded.Length];
        var seen = new HashSet<Hash>();

        for (var position = 0; position < decoded.Length; position++)
        {
            var tx = decoded[position];
            // Every id is marked seen, even a rejected one: the tx index keeps rejected
            // transactions too, so a replay of any of them is a duplicate.
            var duplicate = !seen.Add(tx.Id) || isInChain(tx.Id);
            results[position] = duplicate
                ? TxResults.Reject(TxResultCode.DuplicateTx, "A transaction with this id is already in the chain.")
                : Apply(tx, position, blockState, block, writes, history);
        }
        ValidatorActions.EndOfBlock(state, writes, _genesisValidators, block.Height);
        return new BatchExecution(results, writes, history, decoded.Select(d => d.Id).ToArray());
    }

    private TxResult Apply(PreparedTransaction tx, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites, List<HistoryAppend> history)
    {
        if (tx.Payload is not { } payload)
        {
            return TxResults.Reject(TxResultCode.Malformed, tx.Problem ?? "The transaction does not decode.");
        }
        if (payload.ChainId != _chainId)
        {
            return TxResults.Reject(TxResultCode.WrongChain, "The transaction is for another chain.");
        }
        if (IsSignedByValidator(payload))
        {
            return ApplyValidatorAction(tx, payload, position, blockState, block, blockWrites);
        }
        if (payload.ActionCase == TransactionPayload.ActionOneofCase.EmergencyRelease)
        {
            return ApplyRelease(tx, payload, position, blockState, block, blockWrites, history);
        }
        var signer = new State.EhrState(blockState).Participant(payload.SignerId);
        if (signer is null)
        {
            return TxResults.Reject(TxResultCode.UnknownSigner, "The signer is not an enrolled participant.");
        }
        if (!SignatureHolds(tx, signer.SigningPublicKey))
        {
            return TxResults.Reject(TxResultCode.BadSignature, "The signature is not the signer's signature of this transaction.");
        }
        if (signer.Status != ParticipantStatus.Active)
        {
            return TxResults.Reject(TxResultCode.ParticipantSuspended, "The signer is suspended; none of their transactions are accepted.");
        }

        var context = new TransactionContext(signer, tx.Id, block, position, blockState);
        var result = payload.ActionCase switch
        {
            TransactionPayload.ActionOneofCase.AddParticipant => AddParticipant(context, payload.AddParticipant, blockState),
            TransactionPayload.ActionOneofCase.UpdateParticipant => ParticipantActions.Update(context, payload.UpdateParticipant),
            TransactionPayload.ActionOneofCase.CreateMedicalRecord => RecordActions.Create(context, payload.CreateMedicalRecord),
            TransactionPayload.ActionOneofCase.UpdateAsset => RecordActions.Append(context, payload.UpdateAsset),
            TransactionPayload.ActionOneofCase.GrantAccess => GrantActions.GrantToDoctor(context, payload.GrantAccess),
            TransactionPayload.ActionOneofCase.GrantAccessToLab => GrantActions.GrantToLab(context, payload.GrantAccessToLab),
            TransactionPayload.ActionOneofCase.RevokeAccess => GrantActions.RevokeFromDoctor(context, payload.RevokeAccess),
            TransactionPayload.ActionOneofCase.RevokeAccessFromLab => GrantActions.RevokeFromLab(context, payload.RevokeAccessFromLab),
            TransactionPayload.ActionOneofCase.SharePrescription => PrescriptionActions.Share(context, payload.SharePrescription),
            TransactionPayload.ActionOneofCase.DispensePrescription => PrescriptionActions.Dispense(context, payload.DispensePrescription),
            TransactionPayload.ActionOneofCase.EmergencyOpen => EmergencyActions.Open(context, payload.EmergencyOpen),
            TransactionPayload.ActionOneofCase.EmergencyClose => EmergencyActions.Close(context, payload.EmergencyClose),
            TransactionPayload.ActionOneofCase.EmergencyReview => EmergencyActions.Review(context, payload.EmergencyReview),
            _ => TxResults.Reject(TxResultCode.Malformed, "The transaction carries no known action."),
        };
        if (result.Code == TxResultCode.Ok)
        {
            blockWrites.MergeFrom(context.Writes);
            history.AddRange(context.History);
        }
        return result;
    }

    /// <summary>
    /// Participants and validators share one namespace of ids (a vote's signer id names a
    /// validator, every other signer id a participant), so an id any validator ever had, or is
    /// about to have, cannot be enrolled; the vote refuses participants' ids the same way.
    /// </summary>
    private TxResult AddParticipant(TransactionContext context, AddParticipant action, IStateReader blockState)
    {
        var result = ParticipantActions.Add(context, action);
        if (result.Code != TxResultCode.Ok)
        {
            return result;
        }
        var id = action.ParticipantId;
        var validatorIds = Membership.ValidatorMembershipReader.Epochs(blockState, _genesisValidators).SelectMany(e => e.Validators)
            .Concat(Membership.ValidatorMembershipReader.Read(blockState, _genesisValidators).Next)
            .Select(v => v.Id)
            .Concat(_genesisValidators.Select(v => v.Id));
        return validatorIds.Contains(id, StringComparer.Ordinal)
            ? TxResults.Reject(TxResultCode.AlreadyExists, $"'{id}' is a validator's id; a participant id must not be one.")
            : result;
    }

    /// <summary>A vote and an access log are signed by a validator's node key, not a participant's.</summary>
    private static bool IsSignedByValidator(TransactionPayload payload) =>
        payload.ActionCase is TransactionPayload.ActionOneofCase.VoteValidatorChange or TransactionPayload.ActionOneofCase.RecordAccessLog;

    /// <summary>The signer of a validator's action is found in the membership in force rather than among the participants.</summary>
    private TxResult ApplyValidatorAction(PreparedTransaction tx, TransactionPayload payload, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites)
    {
        var membership = Membership.ValidatorMembershipReader.Read(blockState, _genesisValidators);
        var validator = membership.Validators.FirstOrDefault(v => v.Id == payload.SignerId);
        var vote = payload.ActionCase == TransactionPayload.ActionOneofCase.VoteValidatorChange;
        if (validator is null)
        {
            return TxResults.Reject(TxResultCode.UnknownSigner, vote
                ? "Only a current validator may vote on a validator change."
                : "Only a current validator may record the reads it answered.");
        }
        if (!SignatureHolds(tx, validator.SigningPublicKey))
        {
            return TxResults.Reject(TxResultCode.BadSignature, "The signature is not the validator's signature of this transaction.");
        }
        var writes = new StateWriteSet();
        var result = vote
            ? ValidatorActions.Vote(blockState, writes, _genesisValidators, validator.Id, payload.VoteValidatorChange, block.Height)
            : AccessLogActions.Record(blockState, writes, _chainId, validator.Id, payload.RecordAccessLog, block, position, tx.Id.ToByteString());
        if (result.Code == TxResultCode.Ok)
        {
            blockWrites.MergeFrom(writes);
        }
        return result;
    }

    /// <summary>
    /// A release is signed by an emergency trustee's key from the genesis file, found in the
    /// state's emergency settings rather than among the participants: no enrolment can make
    /// anyone a trustee.
    /// </summary>
    private static TxResult ApplyRelease(
        PreparedTransaction tx, TransactionPayload payload, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites, List<HistoryAppend> history)
    {
        var trustee = TrusteeOf(new State.EhrState(blockState), payload.SignerId);
        if (trustee is null)
        {
            return TxResults.Reject(TxResultCode.UnknownSigner, "Only an emergency trustee of the network may release keys.");
        }
        if (!SignatureHolds(tx, trustee.SigningPublicKey))
        {
            return TxResults.Reject(TxResultCode.BadSignature, "The signature is not the trustee's signature of this transaction.");
        }
        // A trustee is no participant; the context needs a signer only for its id, which history records as the author.
        var signer = new Participant { Id = trustee.Id, Role = ParticipantRole.Unspecified, Status = ParticipantStatus.Active };
        var context = new TransactionContext(signer, tx.Id, block, position, blockState);
        var result = EmergencyActions.Release(context, trustee, payload.EmergencyRelease);
        if (result.Code == TxResultCode.Ok)
        {
            blockWrites.MergeFrom(context.Writes);
            history.AddRange(context.History);
        }
        return result;
    }

    private static EmergencyTrustee? TrusteeOf(State.EhrState state, string signerId) =>
        state.EmergencyConfig()?.Trustees.FirstOrDefault(t => t.Id == signerId);

    /// <summary>
    /// Reuses the signature check made up front when it was made against the key the signer holds
    /// now; a key enrolled or changed earlier in the batch is checked here, in order.
    /// </summary>
    private static bool SignatureHolds(PreparedTransaction tx, ByteString registeredKey)
    {
        if (tx.PrecheckedKey is { } prechecked && prechecked.Equals(registeredKey))
        {
            return tx.PrecheckedValid;
        }
        return SigningPublicKey.TryFromBytes(registeredKey.Span, out var key)
            && key.Verify(SigningDomain.Transaction, tx.Signed!.Payload.Span, tx.Signed.Signature.Span);
    }

    /// <summary>
    /// Decodes every transaction and checks each signature against the signer's key in the state
    /// before the batch, in parallel. Each outcome lands at its own index, so the parallelism
    /// cannot change any result; the sequential pass decides which outcomes still apply.
    /// </summary>
    private PreparedTransaction[] PrepareAll(IStateReader state, IReadOnlyList<ByteString> transactions)
    {
        var prepared = new PreparedTransaction[transactions.Count];
        var keys = new ByteString?[transactions.Count];
        var ehrState = new State.EhrState(state);
        Core.Wire.ValidatorMembership? membership = null;
        for (var i = 0; i < prepared.Length; i++)
        {
            prepared[i] = PreparedTransaction.Decode(transactions[i]);
            if (prepared[i].Payload is { } payload && Core.Identifiers.IsValid(payload.SignerId))
            {
                if (IsSignedByValidator(payload))
                {
                    membership ??= Membership.ValidatorMembershipReader.Read(state, _genesisValidators);
                    keys[i] = membership.Validators.FirstOrDefault(v => v.Id == payload.SignerId)?.SigningPublicKey;
                }
                else if (payload.ActionCase == TransactionPayload.ActionOneofCase.EmergencyRelease)
                {
                    keys[i] = TrusteeOf(ehrState, payload.SignerId)?.SigningPublicKey;
                }
                else
                {
                    keys[i] = ehrState.Participant(payload.SignerId)?.SigningPublicKey;
                }
            }
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, prepared.Length, options, i =>
        {
            if (keys[i] is { } key && prepared[i].Signed is { } signed)
            {
                prepared[i].PrecheckedKey = key;
                prepared[i].PrecheckedValid = (_verified?.TryConsume(prepared[i].Id, signed.Signature.Span, key.Span) ?? false)
                    || (SigningPublicKey.TryFromBytes(key.Span, out var publicKey)
                        && publicKey.Verify(SigningDomain.Transaction, signed.Payload.Span, signed.Signature.Span));
            }
        });
        return prepared;
    }

    private sealed class PreparedTransaction
    {
        public required Hash Id { get; init; }
        public SignedTransaction? Signed { get; init; }
        public TransactionPayload? Payload { get; init; }
        public string? Problem { get; init; }
        public ByteString? PrecheckedKey { get; set; }
        public bool PrecheckedValid { get; set; }

        /// <summary>Decodes once; the id is the one <see cref="TransactionIds.OfSignedTransaction"/> gives.</summary>
        public static PreparedTransaction Decode(ByteString bytes)
        {
            SignedTransaction signed;
            try
            {
                signed = SignedTransaction.Parser.ParseFrom(bytes);
            }
            catch (InvalidProtocolBufferException)
            {
                return new PreparedTransaction { Id = TransactionIds.OfOrdered(bytes.Span, null), Problem = "The transaction bytes are not a signed transaction." };
            }
            var id = TransactionIds.OfOrdered(bytes.Span, signed);
            if (signed.Payload.IsEmpty)
            {
                return new PreparedTransaction { Id = id, Problem = "The transaction has no payload." };
            }
            try
            {
                return new PreparedTransaction { Id = id, Signed = signed, Payload = TransactionPayload.Parser.ParseFrom(signed.Payload) };
            }
            catch (InvalidProtocolBufferException)
            {
                return new PreparedTransaction { Id = id, Problem = "The transaction bytes are not a signed transaction." };
            }
        }
    }
}
