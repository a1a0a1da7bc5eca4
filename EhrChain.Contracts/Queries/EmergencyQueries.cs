using EhrChain.Contracts.State;
using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Queries;

/// <summary>
/// Who sees which break-glass emergencies: the owner those on their records, a doctor their own,
/// an auditor (the reviewer) any, and the unreviewed ones. The trustees' released shares go to
/// the emergency's doctor alone, and only while it is open. An Admin sees none: the reasons say
/// why someone's record was opened.
/// </summary>
internal sealed class EmergencyQueries(EhrState state, VerifiedReader reader, long now)
{
    public QueryResult<EmergencyList> List(ListEmergenciesQuery query)
    {
        var isAuditor = reader.Role == ParticipantRole.Auditor;
        IEnumerable<Emergency> emergencies;
        switch (query.ScopeCase)
        {
            case ListEmergenciesQuery.ScopeOneofCase.RecordId:
                var record = Core.Identifiers.IsValid(query.RecordId) ? state.Record(query.RecordId) : null;
                if (record is null)
                {
                    return QueryResult.NotFound<EmergencyList>($"No medical record '{query.RecordId}' exists.");
                }
                if (!isAuditor && record.OwnerId != reader.Id)
                {
                    return QueryResult.Denied<EmergencyList>($"Only the owner of record '{record.Id}' and an auditor may list its emergencies.");
                }
                emergencies = state.EmergenciesByPrefix(StateKeys.RecordEmergencies(record.Id));
                break;
            case ListEmergenciesQuery.ScopeOneofCase.DoctorId:
                if (!isAuditor && query.DoctorId != reader.Id)
                {
                    return QueryResult.Denied<EmergencyList>($"Only {query.DoctorId} and an auditor may list the emergencies {query.DoctorId} opened.");
                }
                emergencies = Core.Identifiers.IsValid(query.DoctorId) ? state.EmergenciesByPrefix(StateKeys.DoctorEmergencies(query.DoctorId)) : [];
                break;
            case ListEmergenciesQuery.ScopeOneofCase.Unreviewed when query.Unreviewed:
                if (!isAuditor)
                {
                    return QueryResult.Denied<EmergencyList>("Only an auditor may list the unreviewed emergencies.");
                }
                emergencies = state.EmergenciesByPrefix(StateKeys.UnreviewedEmergencies());
                break;
            default:
                return QueryResult.Invalid<EmergencyList>("Name a record, a doctor, or ask for the unreviewed emergencies.");
        }
        var list = new EmergencyList { Threshold = state.EmergencyConfig()?.Threshold ?? 0 };
        list.Emergencies.AddRange(emergencies.OrderBy(e => e.OpenedHeight).ThenBy(e => e.Id, StringComparer.Ordinal).Select(View));
        return QueryResult.Ok(list);
    }

    private EmergencyView View(Emergency emergency)
    {
        var open = EmergencyLiveness.IsOpen(emergency, now);
        var view = new EmergencyView { Emergency = emergency, Open = open, Overdue = EmergencyLiveness.IsOverdue(emergency, now) };
        if (open && emergency.DoctorId == reader.Id)
        {
            view.Releases.AddRange(state.TrusteeReleases(emergency.Id));
        }
        return view;
    }
}
