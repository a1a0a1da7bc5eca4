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

    public RecordEntry? Entry(string recordId, uint index) => Get(StateKeys.Entry(recordId, index), RecordEntry.Parser);

    public PrescriptionShare? PrescriptionShare(string recordId, uint index) =>
        Get(StateKeys.PrescriptionShare(recordId, index), Core.Wire.PrescriptionShare.Parser);

    public PrescriptionDispensing? Dispensing(string recordId, uint index) =>
        Get(StateKeys.Dispensing(recordId, index), PrescriptionDispensing.Parser);

    /// <summary>The prescriptions shared with a pharmacist, by record id and entry index.</summary>
    public IEnumerable<PrescriptionRef> PrescriptionsSharedWith(string pharmacistId) =>
        Scan(StateKeys.SharedPrescriptionsOf(pharmacistId), PrescriptionRef.Parser);

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

    public EmergencyConfig? EmergencyConfig() => Get(StateKeys.EmergencyConfig(), Core.Wire.EmergencyConfig.Parser);

    public Emergency? Emergency(string emergencyId) => Get(StateKeys.Emergency(emergencyId), Core.Wire.Emergency.Parser);

    /// <summary>The latest emergency the doctor opened on the record, open or not.</summary>
    public Emergency? LatestEmergency(string recordId, string doctorId) =>
        Get(StateKeys.LatestEmergency(recordId, doctorId), EmergencyRef.Parser) is { } pointer ? Emergency(pointer.EmergencyId) : null;

    public IEnumerable<Emergency> EmergenciesByPrefix(byte[] prefix) =>
        Scan(prefix, EmergencyRef.Parser).Select(r => Emergency(r.EmergencyId)).OfType<Emergency>();

    public EscrowShare? EscrowShare(string recordId, uint epoch, string trusteeId) =>
        Get(StateKeys.EscrowShare(recordId, epoch, trusteeId), Core.Wire.EscrowShare.Parser);

    public IEnumerable<TrusteeRelease> TrusteeReleases(string emergencyId) => Scan(StateKeys.TrusteeReleasesOf(emergencyId), TrusteeRelease.Parser);

    private T? Get<T>(byte[] key, MessageParser<T> parser) where T : class, IMessage<T>
    {
        var bytes = Reader.GetValue(key);
        return bytes is null ? null : parser.ParseFrom(bytes);
    }

    private IEnumerable<T> Scan<T>(byte[] prefix, MessageParser<T> parser) where T : IMessage<T> =>
        Reader.ScanPrefix(prefix).Select(kv => parser.ParseFrom(kv.Value));
}
