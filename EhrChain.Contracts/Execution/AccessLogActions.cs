using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Execution;

/// <summary>
/// The access log: a validator records the reads of record content it answered. The signer was
/// checked to be a current validator before this runs; here every entry must name that validator
/// as the node that answered (a node vouches only for its own answers), a record and a reader
/// that exist, a basis that fits them, and the reader's own read request as evidence. The whole
/// transaction is refused if one entry is wrong, so a block never holds half a batch.
/// </summary>
internal static class AccessLogActions
{
    /// <summary>Entries per transaction: a node flushes at most this many at once (AccessLog:BatchMaxEntries).</summary>
    public const int MaxEntries = 1024;

    private const int MaxReadRequestBytes = Queries.AccessLogEntries.MaxReadRequestBytes;

    /// <summary>How far a read's time may be ahead of the block time: the answering node's clock against the primary's.</summary>
    public const long MaxClockSkewMs = 5 * 60 * 1000;

    public static TxResult Record(IStateReader state, StateWriteSet writes, string chainId, string validatorId, RecordAccessLog action, BlockContext block, int position, ByteString txId)
    {
        if (action.Entries.Count == 0)
        {
            return TxResults.Invalid("The access log carries no entry.");
        }
        if (action.Entries.Count > MaxEntries)
        {
            return TxResults.Invalid($"An access log carries at most {MaxEntries} entries.");
        }
        var ehr = new EhrState(state);
        for (var index = 0; index < action.Entries.Count; index++)
        {
            if (Check(ehr, chainId, validatorId, action.Entries[index], block) is { } refused)
            {
                return TxResults.Reject(refused.Code, $"Entry {index}: {refused.Reason}");
            }
        }
        for (var index = 0; index < action.Entries.Count; index++)
        {
            var entry = action.Entries[index];
            var record = new AccessLogRecord { Entry = entry, Height = block.Height, Position = (uint)position, Index = (uint)index, TxId = txId };
            writes.Put(StateKeys.AccessLogEntry(entry.RecordId, block.Height, (uint)position, (uint)index), record.ToByteArray());
        }
        return TxResults.Ok();
    }

    private static TxResult? Check(EhrState state, string chainId, string validatorId, AccessLogEntry entry, BlockContext block)
    {
        if (entry.NodeId != validatorId)
        {
            return TxResults.Denied("the entry names another node as the one that answered; a node records only its own answers.");
        }
        if (!Core.Identifiers.IsValid(entry.RecordId) || state.Record(entry.RecordId) is not { } record)
        {
            return TxResults.NotFound("the record read does not exist.");
        }
        if (!Core.Identifiers.IsValid(entry.ReaderId) || state.Participant(entry.ReaderId) is null)
        {
            return TxResults.NotFound("the reader is not an enrolled participant.");
        }
        if (entry.ReadUnixMs <= 0 || entry.ReadUnixMs > block.TimeUnixMs + MaxClockSkewMs)
        {
            return TxResults.Invalid("the read time is not a time before the block's.");
        }
        if (entry.Kind is not (AccessKind.GetRecord or AccessKind.ChainRead or AccessKind.SharedPrescription))
        {
            return TxResults.Invalid("the entry names no known kind of read.");
        }
        return CheckBasis(state, record, entry) ?? CheckEvidence(chainId, entry);
    }

    private static TxResult? CheckBasis(EhrState state, MedicalRecord record, AccessLogEntry entry)
    {
        switch (entry.Basis)
        {
            case AccessBasis.Owner:
                return record.OwnerId == entry.ReaderId && entry.Grant is null && entry.EmergencyId.Length == 0
                    ? null
                    : TxResults.Invalid("an owner's read names the record's owner as the reader, and no grant or emergency.");
            case AccessBasis.Grant:
                // The grant may have been revoked or replaced since the read; it must have existed.
                return entry.Grant is not null && entry.EmergencyId.Length == 0 && record.OwnerId != entry.ReaderId
                    && state.Grant(record.Id, entry.ReaderId) is not null
                    ? null
                    : TxResults.Invalid("a read under a grant names a grant the reader was given on the record, and no emergency.");
            case AccessBasis.Emergency:
                // The emergency may have closed since the read; it must be one the reader opened on this record.
                return entry.Grant is null && Core.Identifiers.IsValid(entry.EmergencyId) && record.OwnerId != entry.ReaderId
                    && state.Emergency(entry.EmergencyId) is { } emergency && emergency.RecordId == record.Id && emergency.DoctorId == entry.ReaderId
                    ? null
                    : TxResults.Invalid("a read under an emergency names an emergency the reader opened on the record, and no grant.");
            case AccessBasis.PrescriptionShare:
                // The share may have moved to another pharmacist since; the reader must be a pharmacist and the entry a prescription.
                return entry.Grant is null && entry.EmergencyId.Length == 0 && entry.Kind == AccessKind.SharedPrescription
                    && state.Participant(entry.ReaderId)?.Role == ParticipantRole.Pharmacist
                    && state.Entry(record.Id, entry.EntryIndex)?.Kind == EntryKind.Prescription
                    ? null
                    : TxResults.Invalid("a read of a shared prescription names a pharmacist as the reader and a prescription of the record.");
            default:
                return TxResults.Invalid("the entry names no known basis for the read.");
        }
    }

    /// <summary>
    /// The reader's read request must be there, decode, and be the reader's for this chain. Its
    /// signature is not verified here: the reader's key may change between the read and the
    /// block, and anyone holding the reader's key checks it offline.
    /// </summary>
    private static TxResult? CheckEvidence(string chainId, AccessLogEntry entry)
    {
        if (entry.ReadRequest.Length is 0 or > MaxReadRequestBytes)
        {
            return TxResults.Invalid($"the entry carries no read request, or one over {MaxReadRequestBytes} bytes.");
        }
        try
        {
            var signed = SignedReadRequest.Parser.ParseFrom(entry.ReadRequest);
            var request = ReadRequest.Parser.ParseFrom(signed.Request);
            return request.ChainId == chainId && request.ReaderId == entry.ReaderId && signed.Signature.Length == Core.Crypto.SigningPublicKey.SignatureSize
                ? null
                : TxResults.Invalid("the read request is not the reader's for this chain.");
        }
        catch (InvalidProtocolBufferException)
        {
            return TxResults.Invalid("the read request does not decode.");
        }
    }
}
