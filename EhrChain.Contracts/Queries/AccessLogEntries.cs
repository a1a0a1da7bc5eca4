using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// What counts as a read of a record, and the access-log entry it leaves. A read is an answer that
/// hands a participant a record's content (entry ciphertext) while that participant may hold the
/// record's keys: GetRecord for the owner, a live grantee or a doctor with an open emergency, and a chain read (GetBlock,
/// GetTransaction, Subscribe with blocks) showing a participant a transaction that carries a
/// record's entries and that the participant did not sign. Metadata (an Admin's GetRecord,
/// history, grants) and whole blocks for validators and auditors, who hold no record key, are
/// not reads of content.
/// </summary>
public static class AccessLogEntries
{
    /// <summary>The largest read request kept as evidence (a signed read of one record is about 150 bytes); a node refuses to answer a larger one with content.</summary>
    public const int MaxReadRequestBytes = 2048;

    /// <summary>The entry a read of <paramref name="recordId"/>'s content leaves, or null when the reader gets no content.</summary>
    public static AccessLogEntry? ForRecordRead(IStateReader state, string recordId, string readerId, DateTimeOffset now, AccessKind kind, SignedReadRequest request, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(request);
        var ehr = new EhrState(state);
        if (!Core.Identifiers.IsValid(recordId) || ehr.Record(recordId) is not { } record)
        {
            return null;
        }
        var entry = new AccessLogEntry
        {
            RecordId = record.Id,
            ReaderId = readerId,
            ReadUnixMs = now.ToUnixTimeMilliseconds(),
            NodeId = nodeId,
            Kind = kind,
            ReadRequest = request.ToByteString(),
        };
        if (record.OwnerId == readerId)
        {
            entry.Basis = AccessBasis.Owner;
            return entry;
        }
        if (ehr.Grant(record.Id, readerId) is { } grant && GrantLiveness.IsLive(grant, entry.ReadUnixMs))
        {
            entry.Basis = AccessBasis.Grant;
            entry.Grant = new GrantReference { GrantedUnixMs = grant.GrantedUnixMs, GrantedAtEpoch = grant.GrantedAtEpoch };
            return entry;
        }
        // A break-glass read is the one the patient most needs to see: it is logged like any other.
        if (ehr.LatestEmergency(record.Id, readerId) is { } emergency && EmergencyLiveness.IsOpen(emergency, entry.ReadUnixMs))
        {
            entry.Basis = AccessBasis.Emergency;
            entry.EmergencyId = emergency.Id;
            return entry;
        }
        return null;
    }

    /// <summary>
    /// The entries a pharmacist's list of prescriptions leaves: one per prescription whose copy it
    /// is handed, under the record it belongs to, so the patient sees which pharmacy read which
    /// prescription and when.
    /// </summary>
    public static IReadOnlyList<AccessLogEntry> ForSharedPrescriptions(PrescriptionList list, string readerId, DateTimeOffset now, SignedReadRequest request, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(list);
        ArgumentNullException.ThrowIfNull(request);
        return list.Prescriptions.Select(p => new AccessLogEntry
        {
            RecordId = p.Share.RecordId,
            ReaderId = readerId,
            ReadUnixMs = now.ToUnixTimeMilliseconds(),
            NodeId = nodeId,
            Kind = AccessKind.SharedPrescription,
            Basis = AccessBasis.PrescriptionShare,
            EntryIndex = p.Share.EntryIndex,
            ReadRequest = request.ToByteString(),
        }).ToList();
    }

    /// <summary>
    /// The entries a chain read leaves: one per record whose entries appear in a transaction the
    /// reader sees but did not sign (what one wrote oneself is no read of another's content).
    /// Validators and auditors read ciphertext without keys, so their reads leave none.
    /// </summary>
    public static IReadOnlyList<AccessLogEntry> ForChainRead(IStateReader state, ChainReader reader, IEnumerable<ByteString> visibleTransactions, SignedReadRequest auth, DateTimeOffset now, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(visibleTransactions);
        if (reader.SeesFullChain)
        {
            return [];
        }
        var entries = new List<AccessLogEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var transaction in visibleTransactions)
        {
            if (RecordWithContent(transaction, reader.Id) is { } recordId && seen.Add(recordId)
                && ForRecordRead(state, recordId, reader.Id, now, AccessKind.ChainRead, auth, nodeId) is { } entry)
            {
                entries.Add(entry);
            }
        }
        return entries;
    }

    private static string? RecordWithContent(ByteString transaction, string readerId)
    {
        TransactionPayload payload;
        try
        {
            payload = TransactionPayload.Parser.ParseFrom(SignedTransaction.Parser.ParseFrom(transaction).Payload);
        }
        catch (InvalidProtocolBufferException)
        {
            return null;
        }
        if (payload.SignerId == readerId)
        {
            return null;
        }
        return payload.ActionCase switch
        {
            TransactionPayload.ActionOneofCase.UpdateAsset when payload.UpdateAsset.Entries.Count > 0 => payload.UpdateAsset.RecordId,
            TransactionPayload.ActionOneofCase.CreateMedicalRecord when payload.CreateMedicalRecord.InitialEntries.Count > 0 => payload.CreateMedicalRecord.RecordId,
            _ => null,
        };
    }
}
