using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

/// <summary>ListPatients and ListRecords count only grants that are live by the node's clock.</summary>
public sealed class LiveGrantListTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drBob = null!;
    private Actor _lab = null!;
    private TestRecord _record = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.InMemory();
        _alice = _net.Patient("alice");
        _drBob = _net.Doctor("dr-bob");
        _lab = _net.Laboratory("lab-1");
        _record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"));
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    private IEnumerable<string> PatientsOf(Actor provider) =>
        _net.Read(provider, Query.PatientsOf(provider.Id)).Patients.Patients.Select(p => p.PatientId);

    [Test]
    public void An_expired_grant_takes_the_patient_out_of_the_doctors_list_without_a_revocation()
    {
        _net.GrantDoctor(_record, _drBob, Permission.Read, _net.Clock.GetUtcNow().AddHours(1));
        Assert.That(PatientsOf(_drBob), Is.EqualTo(new[] { "alice" }));

        _net.Clock.Advance(TimeSpan.FromHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(PatientsOf(_drBob), Is.Empty);
            Assert.That(_net.Read(_net.Admin, Query.PatientsOf("dr-bob")).Patients.Patients, Is.Empty);
        }
    }

    [Test]
    public void An_expired_lab_grant_takes_the_patient_out_of_the_labs_list()
    {
        _net.GrantLab(_record, _lab, _net.Clock.GetUtcNow().AddMinutes(5));
        Assert.That(PatientsOf(_lab), Is.EqualTo(new[] { "alice" }));

        _net.Clock.Advance(TimeSpan.FromMinutes(10));

        Assert.That(PatientsOf(_lab), Is.Empty);
    }

    [Test]
    public void A_patient_stays_listed_while_one_of_her_records_is_still_granted()
    {
        var second = _net.RecordOf(_alice, "rec-2");
        _net.GrantDoctor(_record, _drBob, Permission.Read, _net.Clock.GetUtcNow().AddHours(1));
        _net.GrantDoctor(second, _drBob, Permission.Read);

        _net.Clock.Advance(TimeSpan.FromHours(2));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(PatientsOf(_drBob), Is.EqualTo(new[] { "alice" }));
            Assert.That(_net.Read(_drBob, Query.RecordsOf("alice")).Records.Records.Select(r => r.Id), Is.EqualTo(new[] { "rec-2" }));
        }
    }

    [Test]
    public void An_expired_grant_takes_the_record_out_of_the_doctors_record_list()
    {
        _net.GrantDoctor(_record, _drBob, Permission.Read, _net.Clock.GetUtcNow().AddHours(1));
        Assert.That(_net.Read(_drBob, Query.RecordsOf("alice")).Records.Records.Select(r => r.Id), Is.EqualTo(new[] { "rec-1" }));

        _net.Clock.Advance(TimeSpan.FromHours(1));

        Assert.That(_net.Read(_drBob, Query.RecordsOf("alice")).Status, Is.EqualTo(ReadStatus.AccessDenied));
    }
}
