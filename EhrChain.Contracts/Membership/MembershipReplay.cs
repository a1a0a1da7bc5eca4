using EhrChain.Contracts.Execution;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Membership;

/// <summary>
/// Recomputes the validator membership block by block from the accepted votes alone, with the
/// executor's own vote and rollover code, so an offline verifier knows which set had to certify
/// each height without the state of every height and without a second copy of the rule.
/// </summary>
public sealed class MembershipReplay
{
    private readonly IReadOnlyList<GenesisValidator> _genesisValidators;
    private readonly StateWriteSet _state = new();
    private readonly IStateReader _view;

    public MembershipReplay(IReadOnlyList<GenesisValidator> genesisValidators)
    {
        _genesisValidators = genesisValidators ?? throw new ArgumentNullException(nameof(genesisValidators));
        _view = new StateOverlay(new EmptyState(), _state);
    }

    /// <summary>The membership after the last applied block: its validators order the next height.</summary>
    public ValidatorMembership Current => ValidatorMembershipReader.Read(_view, _genesisValidators);

    /// <summary>
    /// Applies the block's accepted votes and its end-of-block rollover; returns why the block
    /// cannot be replayed (an accepted vote the rule refuses), or null.
    /// </summary>
    public string? Apply(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var height = block.Header.Height;
        for (var position = 0; position < block.Transactions.Count && position < block.Results.Count; position++)
        {
            if (block.Results[position].Code != TxResultCode.Ok || Vote(block.Transactions[position]) is not { } vote)
            {
                continue;
            }
            var writes = new StateWriteSet();
            var result = ValidatorActions.Vote(_view, writes, _genesisValidators, vote.SignerId, vote.VoteValidatorChange, height);
            if (result.Code != TxResultCode.Ok)
            {
                return $"the validator-change vote at position {position} is recorded as accepted, but the membership rule refuses it: {result.Reason}";
            }
            _state.MergeFrom(writes);
        }
        var rollover = new StateWriteSet();
        ValidatorActions.EndOfBlock(_view, rollover, _genesisValidators, height);
        _state.MergeFrom(rollover);
        return null;
    }

    private static TransactionPayload? Vote(ByteString bytes)
    {
        try
        {
            var payload = TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(bytes).Payload);
            return payload.ActionCase == TransactionPayload.ActionOneofCase.VoteValidatorChange ? payload : null;
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }

    private sealed class EmptyState : IStateReader
    {
        public byte[]? GetValue(ReadOnlySpan<byte> key) => null;

        public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) => [];
    }
}
