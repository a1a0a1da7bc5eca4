using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Which transactions of the chain one reader may see, by the rules of the typed queries. Who
/// treats whom is health data: a block names record owners, grantees and refusal reasons, so a
/// block is shown whole only to an auditor or a validator. A participant sees the transactions it
/// signed, those touching a record it may read now (its own, or one it holds a live grant on),
/// and those enrolling or updating itself. An Admin sees what it signed and every enrolment and
/// update of a participant (its job), never another's record transactions. Bytes that are not a
/// transaction show no signer or record, so only full readers see them.
/// </summary>
/// <remarks>
/// "Now" is the state of one store view and the node's clock, as for GetRecord: a doctor granted
/// today sees the record's past transactions, and one revoked or expired sees none of them,
/// not even the old ones. Make one per block (or per call), since state moves on.
/// </remarks>
public sealed class ChainVisibility
{
    private readonly EhrState _state;
    private readonly ChainReader _reader;
    private readonly long _now;
    private readonly Dictionary<string, bool> _readableRecords = new(StringComparer.Ordinal);

    public ChainVisibility(IStateReader state, ChainReader reader, DateTimeOffset now)
    {
        _state = new EhrState(state ?? throw new ArgumentNullException(nameof(state)));
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _now = now.ToUnixTimeMilliseconds();
    }

    public bool SeesFullChain => _reader.SeesFullChain;

    /// <summary>The positions of a block's transactions this reader may see, in block order.</summary>
    public IReadOnlyList<int> VisiblePositions(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var positions = new List<int>();
        for (var i = 0; i < block.Transactions.Count; i++)
        {
            if (MaySee(block.Transactions[i]))
            {
                positions.Add(i);
            }
        }
        return positions;
    }

    /// <summary>Whether this reader may see one ordered transaction (its exact SignedTransaction bytes).</summary>
    public bool MaySee(ByteString orderedTransaction)
    {
        ArgumentNullException.ThrowIfNull(orderedTransaction);
        if (_reader.SeesFullChain)
        {
            return true;
        }
        var payload = Decode(orderedTransaction);
        if (payload is null)
        {
            return false;
        }
        if (payload.SignerId == _reader.Id)
        {
            return true;
        }
        return payload.ActionCase switch
        {
            TransactionPayload.ActionOneofCase.AddParticipant => IsAdmin || payload.AddParticipant.ParticipantId == _reader.Id,
            TransactionPayload.ActionOneofCase.UpdateParticipant => IsAdmin || payload.UpdateParticipant.ParticipantId == _reader.Id,
            // One access log mixes the reads of many records, so only full readers see it; a patient reads their record's log with GetAccessLog.
            TransactionPayload.ActionOneofCase.RecordAccessLog => false,
            _ => RecordOf(payload) is { } recordId && MayReadRecord(recordId),
        };
    }

    private bool IsAdmin => _reader.Participant?.Role == ParticipantRole.Admin;

    private string? RecordOf(TransactionPayload payload) => payload.ActionCase switch
    {
        TransactionPayload.ActionOneofCase.CreateMedicalRecord => payload.CreateMedicalRecord.RecordId,
        TransactionPayload.ActionOneofCase.GrantAccess => payload.GrantAccess.RecordId,
        TransactionPayload.ActionOneofCase.GrantAccessToLab => payload.GrantAccessToLab.RecordId,
        TransactionPayload.ActionOneofCase.RevokeAccess => payload.RevokeAccess.RecordId,
        TransactionPayload.ActionOneofCase.RevokeAccessFromLab => payload.RevokeAccessFromLab.RecordId,
        TransactionPayload.ActionOneofCase.UpdateAsset => payload.UpdateAsset.RecordId,
        TransactionPayload.ActionOneofCase.SharePrescription => payload.SharePrescription.RecordId,
        TransactionPayload.ActionOneofCase.DispensePrescription => payload.DispensePrescription.RecordId,
        TransactionPayload.ActionOneofCase.EmergencyOpen => payload.EmergencyOpen.RecordId,
        TransactionPayload.ActionOneofCase.EmergencyClose => RecordOfEmergency(payload.EmergencyClose.EmergencyId),
        TransactionPayload.ActionOneofCase.EmergencyRelease => RecordOfEmergency(payload.EmergencyRelease.EmergencyId),
        TransactionPayload.ActionOneofCase.EmergencyReview => RecordOfEmergency(payload.EmergencyReview.EmergencyId),
        _ => null,
    };

    // The later steps of a break-glass name only the emergency; they are about its record.
    private string? RecordOfEmergency(string emergencyId) =>
        Core.Identifiers.IsValid(emergencyId) ? _state.Emergency(emergencyId)?.RecordId : null;

    /// <summary>The owner, or a live grantee now; an Admin reads record metadata through the typed queries, not the record's transactions.</summary>
    private bool MayReadRecord(string recordId)
    {
        if (IsAdmin || !Core.Identifiers.IsValid(recordId))
        {
            return false;
        }
        if (!_readableRecords.TryGetValue(recordId, out var readable))
        {
            readable = _state.Record(recordId) is { } record && RecordAccess.MayRead(_state, record, _reader.Id, _now);
            _readableRecords[recordId] = readable;
        }
        return readable;
    }

    private static TransactionPayload? Decode(ByteString orderedTransaction)
    {
        try
        {
            var signed = SignedTransaction.Parser.ParseFrom(orderedTransaction);
            return TransactionPayload.Parser.ParseFrom(signed.Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
    }
}
