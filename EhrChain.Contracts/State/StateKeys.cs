using System.Globalization;
using System.Text;

namespace EhrChain.Contracts.State;

/// <summary>
/// The state key layout. Keys are ASCII: a one-letter table, then ids separated by '/'. Ids can
/// never contain '/' (<see cref="Core.Identifiers"/>), so every key parses one way, and a prefix
/// ending in '/' never matches a longer id. Numbers are ten-digit zero-padded decimals so that
/// bytewise key order is numeric order.
/// <code>
/// p/{participant}                    Participant
/// r/{record}                         MedicalRecord
/// e/{record}/{index}                 RecordEntry (append-only)
/// k/{record}/{epoch}/{reader}        SealedDataKey
/// g/{record}/{grantee}               AccessGrant
/// o/{patient}/{record}               RecordRef (the records a patient owns)
/// d/{provider}/{patient}             DirectoryEntry (a doctor's or laboratory's patients)
/// s/{record}/{index}                 PrescriptionShare (the pharmacist a prescription is shared with)
/// q/{pharmacist}/{record}/{index}    PrescriptionRef (the prescriptions shared with a pharmacist)
/// x/{record}/{index}                 PrescriptionDispensing (written once)
/// m/membership                       ValidatorMembership (absent = the genesis validators)
/// m/pending/{epoch}/{digest}         PendingValidatorChange (votes of one epoch)
/// m/epoch/{epoch}                    ValidatorEpoch (from epoch 1 on)
/// emergency/config                   EmergencyConfig (from the genesis file; absent = no break-glass)
/// emergency/e/{emergency}            Emergency
/// emergency/r/{record}/{emergency}   EmergencyRef (a record's emergencies)
/// emergency/d/{doctor}/{emergency}   EmergencyRef (a doctor's emergencies)
/// emergency/u/{emergency}            EmergencyRef (not reviewed yet; deleted by the review)
/// emergency/h/{record}/{doctor}      EmergencyRef (the doctor's latest emergency on the record)
/// emergency/s/{record}/{epoch}/{trustee}  EscrowShare (an epoch's key share, sealed to a trustee)
/// emergency/x/{emergency}/{trustee}  TrusteeRelease (shares re-sealed to the emergency's doctor)
/// access/{record}/{height}/{position}/{index}   AccessLogRecord (who read the record, in chain order)
/// </code>
/// </summary>
public static class StateKeys
{
    public static byte[] Participant(string id) => Key($"p/{id}");
    public static byte[] Record(string recordId) => Key($"r/{recordId}");
    public static byte[] Entry(string recordId, uint index) => Key($"e/{recordId}/{Number(index)}");
    public static byte[] EntriesOf(string recordId) => Key($"e/{recordId}/");
    public static byte[] SealedKey(string recordId, uint epoch, string readerId) => Key($"k/{recordId}/{Number(epoch)}/{readerId}");
    public static byte[] SealedKeysOf(string recordId) => Key($"k/{recordId}/");
    public static byte[] SealedKeysOf(string recordId, uint epoch) => Key($"k/{recordId}/{Number(epoch)}/");
    public static byte[] Grant(string recordId, string granteeId) => Key($"g/{recordId}/{granteeId}");
    public static byte[] GrantsOf(string recordId) => Key($"g/{recordId}/");
    public static byte[] OwnedRecord(string patientId, string recordId) => Key($"o/{patientId}/{recordId}");
    public static byte[] RecordsOwnedBy(string patientId) => Key($"o/{patientId}/");
    public static byte[] DirectoryEntry(string providerId, string patientId) => Key($"d/{providerId}/{patientId}");
    public static byte[] DirectoryOf(string providerId) => Key($"d/{providerId}/");
    public static byte[] PrescriptionShare(string recordId, uint index) => Key($"s/{recordId}/{Number(index)}");
    public static byte[] SharedPrescription(string pharmacistId, string recordId, uint index) => Key($"q/{pharmacistId}/{recordId}/{Number(index)}");
    public static byte[] SharedPrescriptionsOf(string pharmacistId) => Key($"q/{pharmacistId}/");
    public static byte[] Dispensing(string recordId, uint index) => Key($"x/{recordId}/{Number(index)}");

    public static byte[] Membership() => Key("m/membership");
    public static byte[] PendingChange(ulong epoch, string digestHex) => Key($"m/pending/{Number(epoch)}/{digestHex}");
    public static byte[] PendingChangesOf(ulong epoch) => Key($"m/pending/{Number(epoch)}/");
    public static byte[] ValidatorEpoch(ulong epoch) => Key($"m/epoch/{Number(epoch)}");
    public static byte[] ValidatorEpochs() => Key("m/epoch/");

    public static byte[] EmergencyConfig() => Key("emergency/config");
    public static byte[] Emergency(string emergencyId) => Key($"emergency/e/{emergencyId}");
    public static byte[] RecordEmergency(string recordId, string emergencyId) => Key($"emergency/r/{recordId}/{emergencyId}");
    public static byte[] RecordEmergencies(string recordId) => Key($"emergency/r/{recordId}/");
    public static byte[] DoctorEmergency(string doctorId, string emergencyId) => Key($"emergency/d/{doctorId}/{emergencyId}");
    public static byte[] DoctorEmergencies(string doctorId) => Key($"emergency/d/{doctorId}/");
    public static byte[] UnreviewedEmergency(string emergencyId) => Key($"emergency/u/{emergencyId}");
    public static byte[] UnreviewedEmergencies() => Key("emergency/u/");
    public static byte[] LatestEmergency(string recordId, string doctorId) => Key($"emergency/h/{recordId}/{doctorId}");
    public static byte[] EscrowShare(string recordId, uint epoch, string trusteeId) => Key($"emergency/s/{recordId}/{Number(epoch)}/{trusteeId}");
    public static byte[] EscrowSharesOf(string recordId) => Key($"emergency/s/{recordId}/");
    public static byte[] TrusteeRelease(string emergencyId, string trusteeId) => Key($"emergency/x/{emergencyId}/{trusteeId}");
    public static byte[] TrusteeReleasesOf(string emergencyId) => Key($"emergency/x/{emergencyId}/");
    /// <summary>One read of a record, where the chain put its entry: the log scans in chain order.</summary>
    public static byte[] AccessLogEntry(string recordId, ulong height, uint position, uint index) =>
        Key($"access/{recordId}/{Number(height)}/{Number(position)}/{Number(index)}");

    public static byte[] AccessLogOf(string recordId) => Key($"access/{recordId}/");

    /// <summary>History index key of a record: every change to it, in chain order.</summary>
    public static byte[] RecordHistory(string recordId) => Key($"record/{recordId}");

    /// <summary>History index key of a participant: enrolment and every update.</summary>
    public static byte[] ParticipantHistory(string participantId) => Key($"participant/{participantId}");

    private static string Number(uint value) => value.ToString("D10", CultureInfo.InvariantCulture);

    private static string Number(ulong value) => value.ToString("D20", CultureInfo.InvariantCulture);

    private static byte[] Key(string text) => Encoding.ASCII.GetBytes(text);
}
