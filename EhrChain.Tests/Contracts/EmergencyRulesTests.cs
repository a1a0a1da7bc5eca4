using EhrChain.Client;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

/// <summary>Break-glass emergency access, allowed and denied, on a real RocksDB store with 4 trustees and k = 2.</summary>
public sealed class EmergencyRulesTests
{
    private TestNetwork _net = null!;
    private Actor _alice = null!;
    private Actor _drEve = null!;
    private Actor _drBob = null!;
    private Actor _auditor = null!;
    private TestRecord _record = null!;

    [SetUp]
    public void SetUp()
    {
        _net = TestNetwork.WithTrustees();
        _alice = _net.Patient("alice");
        _drEve = _net.Doctor("dr-eve");
        _drBob = _net.Doctor("dr-bob");
        _auditor = _net.Auditor("audit-1");
        _record = _net.RecordOf(_alice, "rec-1", Entries.Allergy("penicillin"));
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    private string Open(Actor doctor, TimeSpan? duration = null)
    {
        var tx = doctor.Client.OpenEmergency(_record.Id, "Unconscious in the emergency department", duration);
        var result = _net.CommitOne(tx);
        Assert.That(result.Code, Is.EqualTo(TxResultCode.Ok), result.Reason);
        return "em-" + EhrChain.Core.Chain.TransactionIds.OfPayload(tx.Payload.Span).ToString()[..20];
    }

    private void Release(int trustee, string emergencyId) =>
        Assert.That(_net.CommitOne(_net.ReleaseBy(trustee, emergencyId)!).Code, Is.EqualTo(TxResultCode.Ok));

    private EmergencyView ViewAs(Actor doctor, string emergencyId) =>
        _net.Read(doctor, Query.EmergenciesOfDoctor(doctor.Id)).Emergencies.Emergencies.Single(e => e.Emergency.Id == emergencyId);

    /// <summary>What the emergency doctor decrypts of the record, with the keys the trustees released.</summary>
    private List<string> DecryptAsEmergencyDoctor(Actor doctor, string emergencyId)
    {
        var keys = EmergencyKeys.Combine(doctor.Keys, ViewAs(doctor, emergencyId), 2) ?? throw new InvalidOperationException("Not enough releases.");
        var record = _net.ReadRecord(doctor, _record);
        Assert.That(record.Status, Is.EqualTo(ReadStatus.Ok), record.Reason);
        return record.Record.Entries.Select(e => Entries.Text(EhrClient.Decrypt(keys, e))).ToList();
    }

    [Test]
    public void A_doctor_opens_an_emergency_and_after_two_releases_reads_the_record()
    {
        var id = Open(_drEve);
        Release(0, id);
        Release(2, id);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DecryptAsEmergencyDoctor(_drEve, id), Is.EqualTo(new[] { "penicillin" }));
            Assert.That(_net.Read(_alice, Query.History(_record.Id)).History.Changes.Select(c => c.Kind), Is.EqualTo(new[]
            {
                ChangeKind.RecordCreated, ChangeKind.EmergencyOpened, ChangeKind.EmergencyReleased, ChangeKind.EmergencyReleased,
            }));
        }
    }

    [Test]
    public void One_release_is_not_enough_to_read()
    {
        var id = Open(_drEve);
        Release(1, id);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(EmergencyKeys.Combine(_drEve.Keys, ViewAs(_drEve, id), 2), Is.Null);
            // The doctor reads the ciphertext while open, but holds no key of its own.
            Assert.That(_net.ReadRecord(_drEve, _record).Record.ReaderKeys, Is.Empty);
        }
    }

    [Test]
    public void The_emergency_defaults_to_four_hours_and_lapses_by_itself()
    {
        var id = Open(_drEve);
        Release(0, id);
        Release(1, id);
        var emergency = ViewAs(_drEve, id).Emergency;

        _net.Clock.Advance(TimeSpan.FromHours(4));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(emergency.ExpiresUnixMs - emergency.OpenedUnixMs, Is.EqualTo((long)TimeSpan.FromHours(4).TotalMilliseconds));
            Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(ViewAs(_drEve, id).Releases, Is.Empty, "released shares are served only while open");
        }
    }

    [Test]
    public void Reads_are_denied_before_opening_and_after_closing()
    {
        Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
        var id = Open(_drEve);
        Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.Ok));

        Assert.That(_net.CommitOne(_drEve.Client.CloseEmergency(id)).Code, Is.EqualTo(TxResultCode.Ok));

        Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
    }

    [TestCase(KeyRole.Patient)]
    [TestCase(KeyRole.Laboratory)]
    [TestCase(KeyRole.Admin)]
    [TestCase(KeyRole.Auditor)]
    public void Only_a_doctor_can_open(KeyRole role)
    {
        var other = _net.Enrol("someone", role);

        var result = _net.CommitOne(other.Client.OpenEmergency(_record.Id, "reason"));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.AccessDenied));
    }

    [Test]
    public void A_suspended_doctor_cannot_open()
    {
        _net.ExpectOk(_net.Admin.Client.SetStatus(_drEve.Id, ParticipantStatus.Suspended));

        Assert.That(_net.CommitOne(_drEve.Client.OpenEmergency(_record.Id, "reason")).Code, Is.EqualTo(TxResultCode.ParticipantSuspended));
    }

    [TestCase("")]
    [TestCase("   ")]
    public void A_blank_reason_is_refused(string reason)
    {
        var result = _net.CommitOne(_drEve.Client.OpenEmergency(_record.Id, reason));

        Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [Test]
    public void A_reason_over_500_characters_is_refused()
    {
        Assert.That(_net.CommitOne(_drEve.Client.OpenEmergency(_record.Id, new string('x', 501))).Code, Is.EqualTo(TxResultCode.InvalidArgument));
    }

    [TestCase(24 * 3_600_000L + 1)]
    [TestCase(long.MaxValue)]
    [TestCase(long.MinValue)]
    [TestCase(-1L)]
    public void A_duration_outside_zero_to_the_maximum_is_refused_with_a_reason(long durationMs)
    {
        var tx = _drEve.Client.Sign(p => p.EmergencyOpen = new EmergencyOpen { RecordId = _record.Id, Reason = "reason", DurationMs = durationMs });

        var result = _net.CommitOne(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(result.Reason, Does.Contain("maximum of 24 h"));
        }
    }

    [Test]
    public void The_maximum_duration_itself_is_allowed()
    {
        var id = Open(_drEve, TimeSpan.FromHours(24));

        Assert.That(ViewAs(_drEve, id).Emergency.ExpiresUnixMs - _net.Clock.GetUtcNow().ToUnixTimeMilliseconds(), Is.EqualTo(24 * 3_600_000L));
    }

    [Test]
    public void Opening_on_a_missing_record_is_not_found_and_a_second_open_emergency_is_refused()
    {
        Open(_drEve);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(_drEve.Client.OpenEmergency("rec-none", "reason")).Code, Is.EqualTo(TxResultCode.NotFound));
            Assert.That(_net.CommitOne(_drEve.Client.OpenEmergency(_record.Id, "again")).Code, Is.EqualTo(TxResultCode.AlreadyExists));
        }
    }

    [Test]
    public void A_stranger_cannot_close_and_a_closed_emergency_cannot_be_closed_again()
    {
        var id = Open(_drEve);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(_drBob.Client.CloseEmergency(id)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_net.Admin.Client.CloseEmergency(id)).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_alice.Client.CloseEmergency(id)).Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.CommitOne(_drEve.Client.CloseEmergency(id)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(_drEve.Client.CloseEmergency("em-none")).Code, Is.EqualTo(TxResultCode.NotFound));
        }
    }

    [Test]
    public void A_release_by_anyone_but_a_trustee_is_refused()
    {
        var id = Open(_drEve);
        var genuine = _net.ReleaseBy(0, id)!;
        var payload = TransactionPayload.Parser.ParseFrom(genuine.Payload);

        using (Assert.EnterMultipleScope())
        {
            // The same release signed by a participant (the Admin, the doctor): no participant is a trustee.
            Assert.That(_net.CommitOne(_net.Admin.Client.Sign(p => p.EmergencyRelease = payload.EmergencyRelease)).Code, Is.EqualTo(TxResultCode.UnknownSigner));
            Assert.That(_net.CommitOne(_drEve.Client.Sign(p => p.EmergencyRelease = payload.EmergencyRelease)).Code, Is.EqualTo(TxResultCode.UnknownSigner));
            // A key file claiming a trustee's id, with another key.
            var impostor = new EhrClient(KeyFile.Generate("node-0.emergency", KeyRole.Trustee), TestNetwork.ChainId, _net.Clock);
            Assert.That(_net.CommitOne(impostor.Sign(p => p.EmergencyRelease = payload.EmergencyRelease)).Code, Is.EqualTo(TxResultCode.BadSignature));
        }
    }

    [Test]
    public void A_trustee_releases_once()
    {
        var id = Open(_drEve);
        var first = _net.ReleaseBy(0, id)!;
        var again = new EhrClient(_net.TrusteeKeys[0], TestNetwork.ChainId, _net.Clock)
            .Sign(p => p.EmergencyRelease = TransactionPayload.Parser.ParseFrom(first.Payload).EmergencyRelease);
        _net.ExpectOk(first);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(again).Code, Is.EqualTo(TxResultCode.AlreadyExists));
            Assert.That(_net.ReleaseBy(0, id), Is.Null, "the trustee's node does not release twice");
        }
    }

    [Test]
    public void Releases_after_expiry_or_closing_are_refused()
    {
        var expiring = Open(_drEve, TimeSpan.FromHours(1));
        var late = _net.ReleaseBy(0, expiring)!;
        var closing = Open(_drBob);
        var afterClose = _net.ReleaseBy(1, closing)!;
        _net.ExpectOk(_drBob.Client.CloseEmergency(closing));

        _net.Clock.Advance(TimeSpan.FromHours(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(late).Code, Is.EqualTo(TxResultCode.Expired));
            Assert.That(_net.CommitOne(afterClose).Code, Is.EqualTo(TxResultCode.Expired));
            Assert.That(_net.ReleaseBy(2, expiring), Is.Null);
        }
    }

    [Test]
    public void A_release_must_cover_every_epoch_with_sealed_shares()
    {
        var id = Open(_drEve);
        var trustee = new EhrClient(_net.TrusteeKeys[0], TestNetwork.ChainId, _net.Clock);
        var wrongSize = new EmergencyRelease { EmergencyId = id, Shares = { new EscrowedShare { Epoch = 0, SealedShare = ByteString.CopyFrom(new byte[81]) } } };
        var wrongEpoch = new EmergencyRelease { EmergencyId = id, Shares = { new EscrowedShare { Epoch = 1, SealedShare = ByteString.CopyFrom(new byte[82]) } } };

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(trustee.Sign(p => p.EmergencyRelease = wrongSize)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(trustee.Sign(p => p.EmergencyRelease = wrongEpoch)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(trustee.Sign(p => p.EmergencyRelease = new EmergencyRelease { EmergencyId = id })).Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }

    [Test]
    public void Only_an_auditor_reviews_and_only_once()
    {
        var id = Open(_drEve);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(_net.Admin.Client.ReviewEmergency(id, EmergencyOutcome.Justified, "ok")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_drEve.Client.ReviewEmergency(id, EmergencyOutcome.Justified, "ok")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_alice.Client.ReviewEmergency(id, EmergencyOutcome.Escalated, "no")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(_net.CommitOne(_auditor.Client.ReviewEmergency(id, EmergencyOutcome.Unspecified, "ok")).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(_auditor.Client.ReviewEmergency(id, EmergencyOutcome.Justified, " ")).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(_auditor.Client.ReviewEmergency(id, EmergencyOutcome.Justified, "Trauma team lead confirmed.")).Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.CommitOne(_auditor.Client.ReviewEmergency(id, EmergencyOutcome.Escalated, "second thoughts")).Code, Is.EqualTo(TxResultCode.AlreadyExists));
        }
    }

    [Test]
    public void A_review_of_an_open_emergency_closes_it_and_the_patient_sees_the_outcome()
    {
        var id = Open(_drEve);

        _net.ExpectOk(_auditor.Client.ReviewEmergency(id, EmergencyOutcome.Escalated, "No emergency on the ward log."));

        var last = _net.Read(_alice, Query.History(_record.Id)).History.Changes.Last();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(last.Kind, Is.EqualTo(ChangeKind.EmergencyClosed));
            Assert.That(last.EmergencyOutcome, Is.EqualTo(EmergencyOutcome.Escalated));
            Assert.That(last.EmergencyId, Is.EqualTo(id));
        }
    }

    [Test]
    public void Unreviewed_emergencies_are_listed_for_auditors_overdue_after_72_hours_and_gone_once_reviewed()
    {
        var first = Open(_drEve);
        var second = Open(_drBob);
        _net.Clock.Advance(TimeSpan.FromHours(72));

        var overdue = _net.Read(_auditor, Query.UnreviewedEmergencies()).Emergencies.Emergencies;
        _net.ExpectOk(_auditor.Client.ReviewEmergency(first, EmergencyOutcome.Justified, "Late, but justified."));
        var left = _net.Read(_auditor, Query.UnreviewedEmergencies()).Emergencies.Emergencies;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(overdue.Select(e => e.Emergency.Id), Is.EquivalentTo(new[] { first, second }));
            Assert.That(overdue.Select(e => e.Overdue), Is.All.True);
            Assert.That(left.Select(e => e.Emergency.Id), Is.EqualTo(new[] { second }));
            Assert.That(_net.Read(_drEve, Query.UnreviewedEmergencies()).Status, Is.EqualTo(ReadStatus.AccessDenied));
        }
    }

    [Test]
    public void The_patient_lists_their_records_emergencies_and_nobody_else_but_an_auditor_may()
    {
        var id = Open(_drEve);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Read(_alice, Query.EmergenciesOfRecord(_record.Id)).Emergencies.Emergencies.Single().Emergency.Id, Is.EqualTo(id));
            Assert.That(_net.Read(_auditor, Query.EmergenciesOfRecord(_record.Id)).Status, Is.EqualTo(ReadStatus.Ok));
            Assert.That(_net.Read(_net.Admin, Query.EmergenciesOfRecord(_record.Id)).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_drBob, Query.EmergenciesOfRecord(_record.Id)).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Read(_drBob, Query.EmergenciesOfDoctor(_drEve.Id)).Status, Is.EqualTo(ReadStatus.AccessDenied));
        }
    }

    [Test]
    public void The_Admin_never_reads_the_content_nor_gets_a_share()
    {
        var id = Open(_drEve);
        Release(0, id);
        Release(1, id);

        var asAdmin = _net.ReadRecord(_net.Admin, _record);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(asAdmin.Record.Entries, Is.Empty);
            Assert.That(asAdmin.Record.ReaderKeys, Is.Empty);
            Assert.That(_net.Read(_net.Admin, Query.EmergenciesOfDoctor(_drEve.Id)).Status, Is.EqualTo(ReadStatus.AccessDenied));
            Assert.That(_net.Genesis.Emergency!.Trustees.Select(t => t.EncryptionKey), Has.None.EqualTo(_net.Admin.Keys.Encryption.PublicKey));
        }
    }

    [Test]
    public void Other_doctors_do_not_get_the_released_shares()
    {
        var id = Open(_drEve);
        Release(0, id);
        Release(1, id);

        var asAuditor = _net.Read(_auditor, Query.EmergenciesOfDoctor(_drEve.Id)).Emergencies.Emergencies.Single();

        Assert.That(asAuditor.Releases, Is.Empty);
        Assert.That(asAuditor.Emergency.ReleasedBy, Has.Count.EqualTo(2));
    }

    [Test]
    public void After_an_emergency_whose_key_was_released_ends_appends_wait_for_the_owner_to_rotate()
    {
        var id = Open(_drEve, TimeSpan.FromHours(1));
        Release(0, id);
        Release(3, id);
        var doctorKeys = EmergencyKeys.Combine(_drEve.Keys, ViewAs(_drEve, id), 2)!;
        _net.Clock.Advance(TimeSpan.FromHours(1));

        var refused = _net.Append(_alice, _record, Entries.Note("after the emergency"));
        var rotation = _alice.Client.CloseEmergencyAndRotate(_record.Keys, id, []);
        var rotated = _net.CommitOne(rotation.Transaction);
        _record.Keys = rotation.Keys;
        var appended = _net.Append(_alice, _record, Entries.Note("after the rotation"));

        var newest = _net.ReadRecord(_alice, _record).Record.Entries.Last();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.Code, Is.EqualTo(TxResultCode.StaleKeyEpoch));
            Assert.That(rotated.Code, Is.EqualTo(TxResultCode.Ok), rotated.Reason);
            Assert.That(appended.Code, Is.EqualTo(TxResultCode.Ok), appended.Reason);
            Assert.That(EhrClient.Decrypt(doctorKeys, newest).Content, Is.Null, "the doctor's keys do not open the new epoch");
            Assert.That(_net.DecryptedTexts(_alice, _record), Is.EqualTo(new[] { "penicillin", "after the rotation" }));
        }
    }

    [Test]
    public void An_emergency_closed_before_any_key_was_released_needs_no_rotation()
    {
        var id = Open(_drEve);
        Release(0, id);
        _net.ExpectOk(_drEve.Client.CloseEmergency(id));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.Append(_alice, _record, Entries.Note("later")).Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.CommitOne(_alice.Client.CloseEmergencyAndRotate(_record.Keys, id, []).Transaction).Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }

    [Test]
    public void The_owners_rotation_must_reach_every_live_grantee()
    {
        _net.GrantDoctor(_record, _drBob);
        var id = Open(_drEve);
        Release(0, id);
        Release(1, id);

        var missingBob = _net.CommitOne(_alice.Client.CloseEmergencyAndRotate(_record.Keys, id, []).Transaction);
        var withBob = _alice.Client.CloseEmergencyAndRotate(_record.Keys, id, [_drBob.Holder]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(missingBob.Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(withBob.Transaction).Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(_net.ReadRecord(_drEve, _record).Status, Is.EqualTo(ReadStatus.AccessDenied));
        }
    }

    [Test]
    public void After_a_revocation_the_emergency_doctor_reads_every_epoch()
    {
        _net.GrantDoctor(_record, _drBob);
        Assert.That(_net.RevokeDoctor(_record, _drBob).Code, Is.EqualTo(TxResultCode.Ok));
        Assert.That(_net.Append(_alice, _record, Entries.Note("epoch one")).Code, Is.EqualTo(TxResultCode.Ok));
        var id = Open(_drEve);
        Release(1, id);
        Release(2, id);

        Assert.That(DecryptAsEmergencyDoctor(_drEve, id), Is.EqualTo(new[] { "penicillin", "epoch one" }));
    }

    [Test]
    public void New_keys_without_escrow_to_every_trustee_are_refused()
    {
        _net.GrantDoctor(_record, _drBob);
        var unescrowed = new EhrClient(_alice.Keys, TestNetwork.ChainId, _net.Clock);
        var created = unescrowed.CreateMedicalRecord("rec-2", [Entries.Allergy("latex")]);
        var oneMissing = _alice.Client.CreateMedicalRecord("rec-3").Transaction;
        var action = TransactionPayload.Parser.ParseFrom(oneMissing.Payload).CreateMedicalRecord;
        action.EscrowShares.RemoveAt(3);
        var twice = action.Clone();
        twice.EscrowShares.Add(action.EscrowShares[0]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(_net.CommitOne(created.Transaction).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(_alice.Client.Sign(p => p.CreateMedicalRecord = action)).Reason, Does.Contain("1 missing"));
            Assert.That(_net.CommitOne(_alice.Client.Sign(p => p.CreateMedicalRecord = twice)).Code, Is.EqualTo(TxResultCode.InvalidArgument));
            Assert.That(_net.CommitOne(unescrowed.RevokeAccess(_record.Keys, _drBob.Id, []).Transaction).Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }

    [Test]
    public void The_patient_sees_the_emergency_transactions_in_blocks_and_an_uninvolved_doctor_does_not()
    {
        var id = Open(_drEve);
        var release = _net.Commit(_net.ReleaseBy(0, id)!);
        var close = _net.Commit(_drEve.Client.CloseEmergency(id));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Visible(_alice, release), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(_alice, close), Is.EqualTo(new[] { 0 }));
            Assert.That(Visible(_drBob, release), Is.Empty);
            Assert.That(Visible(_drBob, close), Is.Empty);
            Assert.That(Visible(_net.Admin, release), Is.Empty, "the Admin reads no record's transactions");
            Assert.That(Visible(_drEve, close), Is.EqualTo(new[] { 0 }), "the doctor signed it");
        }
    }

    private List<int> Visible(Actor reader, Block block)
    {
        using var view = _net.Store.OpenView();
        var request = reader.Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = block.Header.Height } });
        var verified = EhrChain.Contracts.Queries.ChainReaderVerifier.Verify(view, _net.Genesis, request, _net.Clock.GetUtcNow());
        Assert.That(verified.IsOk, Is.True, verified.Reason);
        return new EhrChain.Contracts.Queries.ChainVisibility(view, verified.Value!, _net.Clock.GetUtcNow()).VisiblePositions(block).ToList();
    }

    [Test]
    public void A_network_without_trustees_offers_no_break_glass_and_takes_no_escrow()
    {
        using var plain = TestNetwork.InMemory();
        var patient = plain.Patient("pat");
        var doctor = plain.Doctor("doc");
        plain.RecordOf(patient, "rec-p");
        var withEscrow = new EhrClient(patient.Keys, TestNetwork.ChainId, plain.Clock, escrow: _net.Escrow).CreateMedicalRecord("rec-q");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(plain.CommitOne(doctor.Client.OpenEmergency("rec-p", "reason")).Code, Is.EqualTo(TxResultCode.AccessDenied));
            Assert.That(plain.CommitOne(withEscrow.Transaction).Code, Is.EqualTo(TxResultCode.InvalidArgument));
        }
    }
}
