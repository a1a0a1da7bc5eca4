using EhrChain.Contracts.State;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

/// <summary>The one "owner or live grant" rule that record queries and chain visibility both ask.</summary>
public sealed class RecordAccessTests
{
    [Test]
    public void Only_the_owner_and_holders_of_a_live_grant_may_read_a_record()
    {
        using var net = TestNetwork.InMemory();
        var alice = net.Patient("alice");
        var drBob = net.Doctor("dr-bob");
        var drCarol = net.Doctor("dr-carol");
        var drDan = net.Doctor("dr-dan");
        var drEve = net.Doctor("dr-eve");
        var record = net.RecordOf(alice, "rec-1", Entries.Allergy("penicillin"));
        net.GrantDoctor(record, drBob);
        net.GrantDoctor(record, drCarol, expires: net.Clock.GetUtcNow().AddHours(1));
        net.GrantDoctor(record, drDan);
        net.RevokeDoctor(record, drDan, drBob, drCarol);
        net.Clock.Advance(TimeSpan.FromHours(2));

        using var view = net.Store.OpenView();
        var state = new EhrState(view);
        var stored = state.Record(record.Id)!;
        var now = net.Clock.GetUtcNow().ToUnixTimeMilliseconds();
        bool MayRead(Actor reader) => RecordAccess.MayRead(state, stored, reader.Id, now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MayRead(alice), Is.True, "the owner");
            Assert.That(MayRead(drBob), Is.True, "a live grant");
            Assert.That(MayRead(drCarol), Is.False, "an expired grant");
            Assert.That(MayRead(drDan), Is.False, "a revoked grant");
            Assert.That(MayRead(drEve), Is.False, "no grant");
            Assert.That(RecordAccess.HoldsLiveGrant(state, record.Id, alice.Id, now), Is.False, "owning is not a grant");
        }
    }
}
