using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Someone whose signed chain read (GetBlock, GetTransaction, Subscribe) checked out: a genesis
/// validator, or an enrolled active participant. Only <see cref="ChainReaderVerifier"/> makes one.
/// </summary>
public sealed class ChainReader
{
    private ChainReader(string id, Participant? participant, ReadRequest request)
    {
        Id = id;
        Participant = participant;
        Request = request;
    }

    public string Id { get; }

    /// <summary>The participant, or null for a validator.</summary>
    public Participant? Participant { get; }

    public ReadRequest Request { get; }

    public bool IsValidator => Participant is null;

    /// <summary>Auditors and validators see the whole chain; everyone else a filtered view.</summary>
    public bool SeesFullChain => IsValidator || Participant!.Role == ParticipantRole.Auditor;

    internal static ChainReader Validator(string id, ReadRequest request) => new(id, null, request);

    internal static ChainReader Of(VerifiedReader reader) => new(reader.Id, reader.Participant, reader.Request);
}
