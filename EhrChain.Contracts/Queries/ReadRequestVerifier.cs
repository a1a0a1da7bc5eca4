using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Checks a signed read request: it decodes, names this chain, is fresh, comes from an enrolled
/// and active participant, and carries that participant's signature over the exact request bytes
/// in the read-request domain.
/// </summary>
public static class ReadRequestVerifier
{
    /// <summary>How far a request's time may be from the node's clock, either way.</summary>
    public static readonly TimeSpan DefaultMaxSkew = TimeSpan.FromMinutes(5);

    public static QueryResult<VerifiedReader> Verify(IStateReader state, SignedReadRequest request, string chainId, DateTimeOffset now, TimeSpan? maxSkew = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        var decoded = Decode(request, chainId, now, maxSkew);
        return decoded.IsOk ? VerifyParticipant(state, request, decoded.Value!) : QueryResult.Invalid<VerifiedReader>(decoded.Reason);
    }

    /// <summary>The request, if it decodes, names this chain and is fresh; its signature is not checked yet.</summary>
    internal static QueryResult<ReadRequest> Decode(SignedReadRequest request, string chainId, DateTimeOffset now, TimeSpan? maxSkew)
    {
        ArgumentNullException.ThrowIfNull(request);
        ReadRequest parsed;
        try
        {
            parsed = ReadRequest.Parser.ParseFrom(request.Request);
        }
        catch (InvalidProtocolBufferException)
        {
            return QueryResult.Invalid<ReadRequest>("The read request does not decode.");
        }
        if (parsed.ChainId != chainId)
        {
            return QueryResult.Invalid<ReadRequest>("The read request is for another chain.");
        }
        // Compared as a window around now, so a hostile timestamp cannot overflow a subtraction.
        var skew = (long)(maxSkew ?? DefaultMaxSkew).TotalMilliseconds;
        var nowMs = now.ToUnixTimeMilliseconds();
        if (parsed.CreatedUnixMs < nowMs - skew || parsed.CreatedUnixMs > nowMs + skew)
        {
            return QueryResult.Invalid<ReadRequest>("The read request is too old or from the future; sign a fresh one.");
        }
        return QueryResult.Ok(parsed);
    }

    internal static QueryResult<VerifiedReader> VerifyParticipant(IStateReader state, SignedReadRequest request, ReadRequest parsed)
    {
        var reader = Core.Identifiers.IsValid(parsed.ReaderId) ? new EhrState(state).Participant(parsed.ReaderId) : null;
        if (reader is null)
        {
            return QueryResult.Invalid<VerifiedReader>("The reader is not an enrolled participant.");
        }
        if (!SigningPublicKey.TryFromBytes(reader.SigningPublicKey.Span, out var key)
            || !key.Verify(SigningDomain.ReadRequest, request.Request.Span, request.Signature.Span))
        {
            return QueryResult.Invalid<VerifiedReader>($"The read request is not signed by {reader.Id}.");
        }
        if (reader.Status != ParticipantStatus.Active)
        {
            return QueryResult.Invalid<VerifiedReader>($"{reader.Id} is suspended and may not read.");
        }
        return QueryResult.Ok(new VerifiedReader(reader, parsed));
    }
}
