using EhrChain.Contracts.State;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// The reads of the EHR state, for one verified reader. The owner and live grantees read a record;
/// an Admin reads participants and record metadata, never entry content or sealed keys; anyone
/// else is denied. Any active participant may read another's public profile, since a patient
/// needs a doctor's encryption key to grant them access.
/// </summary>
public sealed class RecordQueries
{
    private readonly EhrState _state;
    private readonly IHistoryIndex _history;
    private readonly VerifiedReader _reader;
    private readonly long _now;

    /// <param name="state">A consistent view of the state (a store view).</param>
    /// <param name="history">The history index of the same store.</param>
    /// <param name="reader">The verified reader.</param>
    /// <param name="now">The time grant expiry is judged against: the node's clock, so an expired grant stops reads even between blocks.</param>
    public RecordQueries(IStateReader state, IHistoryIndex history, VerifiedReader reader, DateTimeOffset now)
    {
        _state = new EhrState(state ?? throw new ArgumentNullException(nameof(state)));
        _history = history ?? throw new ArgumentNullException(nameof(history));
        _reader = reader ?? throw new ArgumentNullException(nameof(reader));
        _now = now.ToUnixTimeMilliseconds();
    }

    /// <summary>Verifies a signed read request and answers its query in one step: what the node's gRPC read calls.</summary>
    public static ReadResponse Answer(IStateReader state, IHistoryIndex history, SignedReadRequest request, string chainId, DateTimeOffset now)
    {
        var verified = ReadRequestVerifier.Verify(state, request, chainId, now);
        if (!verified.IsOk)
        {
            return new ReadResponse { Status = verified.Status, Reason = verified.Reason };
        }
        return new RecordQueries(state, history, verified.Value!, now).Execute(verified.Value!.Request.Query);
    }

    public ReadResponse Execute(ReadQuery? query) => query?.QueryCase switch
    {
        ReadQuery.QueryOneofCase.GetParticipant => Respond(GetParticipant(query.GetParticipant.ParticipantId), (r, v) => r.Participant = v),
        ReadQuery.QueryOneofCase.GetRecord => Respond(GetRecord(query.GetRecord.RecordId), (r, v) => r.Record = v),
        ReadQuery.QueryOneofCase.ListPatientRecords => Respond(ListPatientRecords(query.ListPatientRecords.PatientId), (r, v) => r.Records = v),
        ReadQuery.QueryOneofCase.ListProviderPatients => Respond(ListProviderPatients(query.ListProviderPatients.ProviderId), (r, v) => r.Patients = v),
        ReadQuery.QueryOneofCase.GetRecordHistory => Respond(GetRecordHistory(query.GetRecordHistory.RecordId), (r, v) => r.History = v),
        ReadQuery.QueryOneofCase.ListRecordGrants => Respond(ListRecordGrants(query.ListRecordGrants.RecordId), (r, v) => r.Grants = v),
        ReadQuery.QueryOneofCase.ListSharedPrescriptions => Respond(ListSharedPrescriptions(), (r, v) => r.Prescriptions = v),
        ReadQuery.QueryOneofCase.ListEmergencies => Respond(new EmergencyQueries(_state, _reader, _now).List(query.ListEmergencies), (r, v) => r.Emergencies = v),
        ReadQuery.QueryOneofCase.GetAccessLog => Respond(GetAccessLog(query.GetAccessLog.RecordId), (r, v) => r.AccessLog = v),
        _ => new ReadResponse { Status = ReadStatus.InvalidRequest, Reason = "The read request carries no known query." },
    };

    public QueryResult<ParticipantProfile> GetParticipant(string participantId)
    {
        var participant = Lookup(participantId, _state.Participant);
        if (participant is null)
        {
            return QueryResult.NotFound<ParticipantProfile>($"No participant '{participantId}' is enrolled.");
        }
        return QueryResult.Ok(new ParticipantProfile
        {
            Id = participant.Id,
            Role = participant.Role,
            SealedProfile = SealedProfileFor(participant),
            SigningPublicKey = participant.SigningPublicKey,
            EncryptionPublicKey = participant.EncryptionPublicKey,
            Status = participant.Status,
        });
    }

    public QueryResult<RecordView> GetRecord(string recordId)
    {
        var record = Lookup(recordId, _state.Record);
        if (record is null)
        {
            return QueryResult.NotFound<RecordView>($"No medical record '{recordId}' exists.");
        }
        var view = new RecordView { Record = record };
        if (IsAdmin)
        {
            return QueryResult.Ok(view);
        }
        if (!MayReadContent(record))
        {
            return QueryResult.Denied<RecordView>($"{_reader.Id} is neither the owner of record '{record.Id}' nor holds a live grant or an open emergency on it.");
        }
        view.Entries.AddRange(_state.Entries(record.Id));
        view.ReaderKeys.AddRange(_state.SealedKeys(record.Id)
            .Where(k => k.ReaderId == _reader.Id)
            .Select(k => new EpochKey { Epoch = k.Epoch, SealedKey = k.SealedKey }));
        return QueryResult.Ok(view);
    }

    /// <summary>The patient and an Admin see all of a patient's records; a doctor or laboratory sees those it holds a live grant on.</summary>
    public QueryResult<RecordList> ListPatientRecords(string patientId)
    {
        var patient = Lookup(patientId, _state.Participant);
        if (patient is null || patient.Role != ParticipantRole.Patient)
        {
            return QueryResult.NotFound<RecordList>($"No patient '{patientId}' is enrolled.");
        }
        var records = _state.RecordsOwnedBy(patient.Id)
            .Select(r => _state.Record(r.RecordId))
            .OfType<MedicalRecord>();
        if (!IsAdmin && _reader.Id != patient.Id)
        {
            records = records.Where(HoldsLiveGrant);
        }
        var list = new RecordList();
        list.Records.AddRange(records);
        if (list.Records.Count == 0 && !IsAdmin && _reader.Id != patient.Id)
        {
            return QueryResult.Denied<RecordList>($"{_reader.Id} holds no live grant on any record of {patient.Id}.");
        }
        return QueryResult.Ok(list);
    }

    /// <summary>
    /// A doctor's or laboratory's directory of patients: for the provider itself and an Admin. A
    /// patient counts while the provider holds a live grant on one of their records; the stored
    /// directory entry outlives an expiry (expiry needs no transaction), so it is judged here,
    /// against the node's clock as GetRecord is.
    /// </summary>
    public QueryResult<PatientList> ListProviderPatients(string providerId)
    {
        var provider = Lookup(providerId, _state.Participant);
        if (provider is null || provider.Role is not (ParticipantRole.Doctor or ParticipantRole.Laboratory))
        {
            return QueryResult.NotFound<PatientList>($"No doctor or laboratory '{providerId}' is enrolled.");
        }
        if (!IsAdmin && _reader.Id != provider.Id)
        {
            return QueryResult.Denied<PatientList>($"Only {provider.Id} and an Admin may list the patients of {provider.Id}.");
        }
        var list = new PatientList();
        list.Patients.AddRange(_state.Directory(provider.Id).Where(entry => HoldsLiveGrantOnAnyRecordOf(provider.Id, entry.PatientId)));
        return QueryResult.Ok(list);
    }

    /// <summary>Every change to a record with author, time, height and tx id: metadata, so an Admin may read it too.</summary>
    public QueryResult<RecordHistory> GetRecordHistory(string recordId)
    {
        var record = Lookup(recordId, _state.Record);
        if (record is null)
        {
            return QueryResult.NotFound<RecordHistory>($"No medical record '{recordId}' exists.");
        }
        if (!IsAdmin && !MayReadContent(record))
        {
            return QueryResult.Denied<RecordHistory>($"{_reader.Id} is neither the owner of record '{record.Id}' nor holds a live grant or an open emergency on it.");
        }
        var history = new RecordHistory();
        history.Changes.AddRange(_history.GetHistory(StateKeys.RecordHistory(record.Id)).Select(item => Change.Parser.ParseFrom(item.Value)));
        return QueryResult.Ok(history);
    }

    public QueryResult<GrantList> ListRecordGrants(string recordId)
    {
        var record = Lookup(recordId, _state.Record);
        if (record is null)
        {
            return QueryResult.NotFound<GrantList>($"No medical record '{recordId}' exists.");
        }
        if (!IsAdmin && !MayReadContent(record))
        {
            return QueryResult.Denied<GrantList>($"{_reader.Id} is neither the owner of record '{record.Id}' nor holds a live grant or an open emergency on it.");
        }
        var list = new GrantList();
        list.Grants.AddRange(_state.Grants(record.Id));
        return QueryResult.Ok(list);
    }

    /// <summary>
    /// A pharmacist's prescriptions: each shared with it (the copy sealed to it) and whether it has
    /// been dispensed. For the pharmacist itself only; nobody else has a use for the list.
    /// </summary>
    public QueryResult<PrescriptionList> ListSharedPrescriptions()
    {
        if (_reader.Role != ParticipantRole.Pharmacist)
        {
            return QueryResult.Denied<PrescriptionList>("Only a pharmacist has prescriptions shared with it.");
        }
        var list = new PrescriptionList();
        foreach (var shared in _state.PrescriptionsSharedWith(_reader.Id))
        {
            if (_state.PrescriptionShare(shared.RecordId, shared.EntryIndex) is { } share && share.PharmacistId == _reader.Id)
            {
                list.Prescriptions.Add(new SharedPrescription { Share = share, Dispensing = _state.Dispensing(shared.RecordId, shared.EntryIndex) });
            }
        }
        return QueryResult.Ok(list);
    }

    /// <summary>
    /// Who read a record: the owner sees every entry; anyone else who read it sees only their own
    /// reads (what they did, nothing of who else reads); an Admin never, since the log is who
    /// treats the patient.
    /// </summary>
    public QueryResult<AccessLog> GetAccessLog(string recordId)
    {
        var record = Lookup(recordId, _state.Record);
        if (record is null)
        {
            return QueryResult.NotFound<AccessLog>($"No medical record '{recordId}' exists.");
        }
        if (IsAdmin)
        {
            return QueryResult.Denied<AccessLog>($"An Admin may not read the access log of record '{record.Id}'; only its owner may.");
        }
        var log = new AccessLog();
        log.Records.AddRange(record.OwnerId == _reader.Id
            ? _state.AccessLog(record.Id)
            : _state.AccessLog(record.Id).Where(r => r.Entry.ReaderId == _reader.Id));
        if (record.OwnerId != _reader.Id && log.Records.Count == 0)
        {
            return QueryResult.Denied<AccessLog>($"{_reader.Id} is not the owner of record '{record.Id}' and has no read of it recorded.");
        }
        return QueryResult.Ok(log);
    }

    /// <summary>
    /// The ciphertext for anyone; every reader's sealed key for the participant and an Admin (who
    /// re-seal it when the profile changes); for anyone else only their own key, since the list of
    /// a patient's readers is the list of who treats them.
    /// </summary>
    private SealedProfile? SealedProfileFor(Participant participant)
    {
        if (participant.SealedProfile is not { } sealedProfile || IsAdmin || _reader.Id == participant.Id)
        {
            return participant.SealedProfile;
        }
        var visible = new SealedProfile { Ciphertext = sealedProfile.Ciphertext, Version = sealedProfile.Version };
        visible.Readers.AddRange(sealedProfile.Readers.Where(r => r.ReaderId == _reader.Id));
        return visible;
    }

    private bool IsAdmin => _reader.Role == ParticipantRole.Admin;

    private bool MayReadContent(MedicalRecord record) => RecordAccess.MayRead(_state, record, _reader.Id, _now);

    private bool HoldsLiveGrant(MedicalRecord record) => HoldsLiveGrant(record.Id, _reader.Id);

    private bool HoldsLiveGrant(string recordId, string granteeId) => RecordAccess.HoldsLiveGrant(_state, recordId, granteeId, _now);

    private bool HoldsLiveGrantOnAnyRecordOf(string providerId, string patientId) =>
        _state.RecordsOwnedBy(patientId).Any(r => HoldsLiveGrant(r.RecordId, providerId));

    // Ids that could never have been enrolled are not looked up, so no hostile string shapes a state key.
    private static T? Lookup<T>(string id, Func<string, T?> find) where T : class =>
        Core.Identifiers.IsValid(id) ? find(id) : null;

    private static ReadResponse Respond<T>(QueryResult<T> result, Action<ReadResponse, T> set) where T : class
    {
        var response = new ReadResponse { Status = result.Status, Reason = result.Reason };
        if (result.Value is { } value)
        {
            set(response, value);
        }
        return response;
    }
}
