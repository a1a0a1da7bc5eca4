using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// A reader whose signed read request checked out: enrolled, active, and the signer of the
/// request. Only <see cref="ReadRequestVerifier"/> makes one, so holding one is proof of identity.
/// </summary>
public sealed class VerifiedReader
{
    internal VerifiedReader(Participant participant, ReadRequest request)
    {
        Participant = participant;
        Request = request;
    }

    public Participant Participant { get; }
    public ReadRequest Request { get; }
    public string Id => Participant.Id;
    public ParticipantRole Role => Participant.Role;
}
