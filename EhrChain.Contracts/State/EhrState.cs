using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.State;

/// <summary>Typed reads of the EHR state over any state reader (a store, a view, or an overlay of pending writes).</summary>
public sealed class EhrState(IStateReader state)
{
    public IStateReader Reader { get; } = state ?? throw new ArgumentNullException(nameof(state));

    public Participant? Participant(string id) => Get(StateKeys.Participant(id), Core.Wire.Participant.Parser);

    public MedicalRecord? Record(string recordId) => Get(StateKeys.Record(recordId), MedicalRecord.Parser);

    public AccessGrant? Grant(string recordId, string granteeId) => Get(StateKeys.Grant(recordId, granteeId), AccessGrant.Parser);

    public DirectoryEntry? DirectoryEntry(string providerId, string patientId) =>
        Get(StateKeys.DirectoryEntry(providerId, patientId), Core.Wire.DirectoryEntry.Parser);

    public SealedDataKey? SealedKey(string recordId, uint epoch, string readerId) =>
        Get(StateKeys.SealedKey(recordId, epoch, readerId), SealedDataKey.Parser);

    /// <summary>The grants of a record, in grantee id order.</summary>
    public IEnumerable<AccessGrant> Grants(string recordId) => Scan(StateKeys.GrantsOf(recordId), AccessGrant.Parser);

    /// <summary>The entries of a record, in the order they were appended.</summary>
    public IEnumerable<RecordEntry> Entries(string recordId) => Scan(StateKeys.EntriesOf(recordId), RecordEntry.Parser);

    /// <summary>Every sealed data key of a record, by epoch and then reader id.</summary>
    public IEnumerable<SealedDataKey> SealedKeys(string recordId) => Scan(StateKeys.SealedKeysOf(recordId), SealedDataKey.Parser);

    /// <summary>The sealed data keys of one epoch of a record, by reader id.</summary>
    public IEnumerable<SealedDataKey> SealedKeys(string recordId, uint epoch) => Scan(StateKeys.SealedKeysOf(recordId, epoch), SealedDataKey.Parser);

    /// <summary>A record's access log, in chain order (height, position, index).</summary>
    public IEnumerable<AccessLogRecord> AccessLog(string recordId) => Scan(StateKeys.AccessLogOf(recordId), AccessLogRecord.Parser);

    public IEnumerable<RecordRef> RecordsOwnedBy(string patientId) => Scan(StateKeys.RecordsOwnedBy(patientId), RecordRef.Parser);

    public IEnumerable<DirectoryEntry> Directory(string providerId) => Scan(StateKeys.DirectoryOf(providerId), Core.Wire.DirectoryEntry.Parser);

    private T? Get<T>(byte[] key, MessageParser<T> parser) where T : class, IMessage<T>
    {
        var bytes = Reader.GetValue(key);
        return bytes is null ? null : parser.ParseFrom(bytes);
    }

    private IEnumerable<T> Scan<T>(byte[] prefix, MessageParser<T> parser) where T : IMessage<T> =>
        Reader.ScanPrefix(prefix).Select(kv => parser.ParseFrom(kv.Value));
}
