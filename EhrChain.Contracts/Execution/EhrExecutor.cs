using EhrChain.Contracts.State;
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
    /// <param name="transactions">The ordered transactions, decoded once where they arrived.</param>
    /// <param name="block">The block being derived: its height and batch time.</param>
    public BatchExecution Execute(IStateReader state, Func<Hash, bool> isInChain, IReadOnlyList<DecodedTransaction> transactions, BlockContext block)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(isInChain);
        ArgumentNullException.ThrowIfNull(transactions);

        var prepared = PrepareAll(state, transactions);
        var writes = new StateWriteSet();
        var blockState = new StateOverlay(state, writes);
        var history = new List<HistoryAppend>();
        var results = new TxResult[prepared.Length];
        var seen = new HashSet<Hash>();

        for (var position = 0; position < prepared.Length; position++)
        {
            var tx = prepared[position];
            // Every id is marked seen, even a rejected one: the tx index keeps rejected
            // transactions too, so a replay of any of them is a duplicate.
            var duplicate = !seen.Add(tx.Decoded.TxId) || isInChain(tx.Decoded.TxId);
            results[position] = duplicate
                ? TxResults.Reject(TxResultCode.DuplicateTx, "A transaction with this id is already in the chain.")
                : Apply(tx, position, blockState, block, writes, history);
        }
        ValidatorActions.EndOfBlock(state, writes, _genesisValidators, block.Height);
        return new BatchExecution(results, writes, history);
    }

    private TxResult Apply(PreparedTransaction tx, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites, List<HistoryAppend> history)
    {
        if (TransactionRules.WellFormed(tx.Decoded, _chainId) is { } malformed)
        {
            return malformed;
        }
        var payload = tx.Decoded.Payload!;
        // The signer as the block's state has it: one enrolled, changed or suspended earlier in
        // this batch counts, in order. A participant no earlier transaction wrote is still the one
        // found before the batch.
        var signer = tx.Signer is { Kind: SignerKind.Participant } before && !blockWrites.TryGet(StateKeys.Participant(before.Id), out _)
            ? before
            : TransactionRules.SignerOf(blockState, _genesisValidators, payload);
        if (TransactionRules.Authenticated(payload, signer, key => SignatureHolds(tx, key)) is { } refused)
        {
            return refused;
        }
        return signer!.Kind switch
        {
            SignerKind.Validator => ApplyValidatorAction(tx.Decoded, payload, signer.Validator!, position, blockState, block, blockWrites),
            SignerKind.Trustee => ApplyRelease(tx.Decoded, signer.Trustee!, payload, position, blockState, block, blockWrites, history),
            _ => ApplyParticipantAction(tx.Decoded, signer.Participant!, payload, position, blockState, block, blockWrites, history),
        };
    }

    private TxResult ApplyParticipantAction(
        DecodedTransaction tx, Participant signer, TransactionPayload payload, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites, List<HistoryAppend> history)
    {
        var context = new TransactionContext(signer, tx.TxId, block, position, blockState);
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

    /// <summary>The signer of a validator's action was found in the membership in force rather than among the participants.</summary>
    private TxResult ApplyValidatorAction(DecodedTransaction tx, TransactionPayload payload, ValidatorInfo validator, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites)
    {
        var writes = new StateWriteSet();
        var result = payload.ActionCase == TransactionPayload.ActionOneofCase.VoteValidatorChange
            ? ValidatorActions.Vote(blockState, writes, _genesisValidators, validator.Id, payload.VoteValidatorChange, block.Height)
            : AccessLogActions.Record(blockState, writes, _chainId, validator.Id, payload.RecordAccessLog, block, position, tx.TxId.ToByteString());
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
        DecodedTransaction tx, EmergencyTrustee trustee, TransactionPayload payload, int position, IStateReader blockState, BlockContext block, StateWriteSet blockWrites, List<HistoryAppend> history)
    {
        // A trustee is no participant; the context needs a signer only for its id, which history records as the author.
        var signer = new Participant { Id = trustee.Id, Role = ParticipantRole.Unspecified, Status = ParticipantStatus.Active };
        var context = new TransactionContext(signer, tx.TxId, block, position, blockState);
        var result = EmergencyActions.Release(context, trustee, payload.EmergencyRelease);
        if (result.Code == TxResultCode.Ok)
        {
            blockWrites.MergeFrom(context.Writes);
            history.AddRange(context.History);
        }
        return result;
    }

    /// <summary>
    /// Reuses the signature check made up front when it was made against the key the signer holds
    /// now; a key enrolled or changed earlier in the batch is checked here, in order.
    /// </summary>
    private static bool SignatureHolds(PreparedTransaction tx, ByteString registeredKey) =>
        tx.PrecheckedKey is { } prechecked && prechecked.Equals(registeredKey)
            ? tx.PrecheckedValid
            : TransactionRules.Verify(tx.Decoded, registeredKey);

    /// <summary>
    /// Checks every signature against the signer's key in the state before the batch, in parallel.
    /// Each outcome lands at its own index, so the parallelism cannot change any result; the
    /// sequential pass decides which outcomes still apply.
    /// </summary>
    private PreparedTransaction[] PrepareAll(IStateReader state, IReadOnlyList<DecodedTransaction> transactions)
    {
        var prepared = new PreparedTransaction[transactions.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            var decoded = transactions[i];
            prepared[i] = new PreparedTransaction(decoded);
            if (decoded.Payload is { } payload)
            {
                prepared[i].Signer = TransactionRules.SignerOf(state, _genesisValidators, payload);
                prepared[i].PrecheckedKey = prepared[i].Signer?.SigningPublicKey;
            }
        }
        var options = new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount };
        Parallel.For(0, prepared.Length, options, i =>
        {
            if (prepared[i].PrecheckedKey is { } key && prepared[i].Decoded.Message is { } signed)
            {
                prepared[i].PrecheckedValid = (_verified?.TryConsume(prepared[i].Decoded.TxId, signed.Signature.Span, key.Span) ?? false)
                    || TransactionRules.Verify(prepared[i].Decoded, key);
            }
        });
        return prepared;
    }

    /// <summary>A decoded transaction with its signer as the state before the batch knew it, and the outcome of its signature check against that key.</summary>
    private sealed class PreparedTransaction(DecodedTransaction decoded)
    {
        public DecodedTransaction Decoded { get; } = decoded;
        public TransactionSigner? Signer { get; set; }
        public ByteString? PrecheckedKey { get; set; }
        public bool PrecheckedValid { get; set; }
    }
}
