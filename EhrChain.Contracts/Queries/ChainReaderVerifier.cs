using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Checks the signed read request of a chain read like any other read, with one more kind of
/// reader: a genesis validator, whose reader id is its validator id and whose signature is
/// checked against the genesis file's key. A request signed by a validator's key is the
/// validator's; otherwise the reader id is looked up as a participant.
/// </summary>
public static class ChainReaderVerifier
{
    public static QueryResult<ChainReader> Verify(IStateReader state, GenesisFile genesis, SignedReadRequest request, DateTimeOffset now, TimeSpan? maxSkew = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(genesis);
        var decoded = ReadRequestVerifier.Decode(request, genesis.ChainId, now, maxSkew);
        if (!decoded.IsOk)
        {
            return QueryResult.Invalid<ChainReader>(decoded.Reason);
        }
        var parsed = decoded.Value!;
        if (genesis.FindValidator(parsed.ReaderId) is { } validator
            && validator.SigningKey.Verify(SigningDomain.ReadRequest, request.Request.Span, request.Signature.Span))
        {
            return QueryResult.Ok(ChainReader.Validator(validator.Id, parsed));
        }
        var participant = ReadRequestVerifier.VerifyParticipant(state, request, parsed);
        return participant.IsOk ? QueryResult.Ok(ChainReader.Of(participant.Value!)) : QueryResult.Invalid<ChainReader>(participant.Reason);
    }
}
