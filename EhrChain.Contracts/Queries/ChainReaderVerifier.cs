using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Checks the signed read request of a chain read like any other read, with one more kind of
/// reader: a current validator (of the membership in force, not the genesis file's: one voted out
/// no longer reads whole blocks, one voted in does once its epoch began), whose reader id is its
/// validator id and whose signature is checked against its node key. A request signed by a
/// validator's key is the validator's; otherwise the reader id is looked up as a participant.
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
        var validator = Membership.ValidatorMembershipReader.Read(state, genesis.Validators).Validators.FirstOrDefault(v => v.Id == parsed.ReaderId);
        if (validator is not null
            && SigningPublicKey.TryFromBytes(validator.SigningPublicKey.Span, out var key)
            && key.Verify(SigningDomain.ReadRequest, request.Request.Span, request.Signature.Span))
        {
            return QueryResult.Ok(ChainReader.Validator(validator.Id, parsed));
        }
        var participant = ReadRequestVerifier.VerifyParticipant(state, request, parsed);
        return participant.IsOk ? QueryResult.Ok(ChainReader.Of(participant.Value!)) : QueryResult.Invalid<ChainReader>(participant.Reason);
    }
}
