using EhrChain.Core.Wire;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>Read queries by name: Query.Record("rec-1").</summary>
internal static class Query
{
    public static ReadQuery Participant(string id) => new() { GetParticipant = new GetParticipantQuery { ParticipantId = id } };
    public static ReadQuery Record(string id) => new() { GetRecord = new GetRecordQuery { RecordId = id } };
    public static ReadQuery RecordsOf(string patientId) => new() { ListPatientRecords = new ListPatientRecordsQuery { PatientId = patientId } };
    public static ReadQuery PatientsOf(string providerId) => new() { ListProviderPatients = new ListProviderPatientsQuery { ProviderId = providerId } };
    public static ReadQuery History(string recordId) => new() { GetRecordHistory = new GetRecordHistoryQuery { RecordId = recordId } };
    public static ReadQuery EmergenciesOfRecord(string recordId) => new() { ListEmergencies = new ListEmergenciesQuery { RecordId = recordId } };
    public static ReadQuery EmergenciesOfDoctor(string doctorId) => new() { ListEmergencies = new ListEmergenciesQuery { DoctorId = doctorId } };
    public static ReadQuery UnreviewedEmergencies() => new() { ListEmergencies = new ListEmergenciesQuery { Unreviewed = true } };
    public static ReadQuery Grants(string recordId) => new() { ListRecordGrants = new ListRecordGrantsQuery { RecordId = recordId } };
}
