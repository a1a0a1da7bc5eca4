using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Rocks;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts;

public sealed class DeterminismTests
{
    [Test]
    public void Same_batch_on_two_fresh_stores_gives_identical_blocks_and_state()
    {
        var (genesis, adminKeys) = TestNetwork.NewGenesis();
        var batch = OneBatchOfEverything(adminKeys);
        var batchTime = TestNetwork.Start.AddMinutes(5);

        var first = Run(genesis, adminKeys, batch, batchTime);
        var second = Run(genesis, adminKeys, batch, batchTime);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(second.BlockBytes, Is.EqualTo(first.BlockBytes));
            Assert.That(second.StateRoot, Is.EqualTo(first.StateRoot));
            Assert.That(second.State, Is.EqualTo(first.State));
            Assert.That(Block.Parser.ParseFrom(first.BlockBytes).Results.Select(r => r.Code), Has.Some.EqualTo(TxResultCode.Ok).And.Some.Not.EqualTo(TxResultCode.Ok));
        }
    }

    /// <summary>Every kind of action, accepted and rejected, in one batch: enrolments, a record, grants, writes, a revocation, a refusal, junk and a duplicate.</summary>
    private static ByteString[] OneBatchOfEverything(KeyFile adminKeys)
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(TestNetwork.Start);
        Actor Make(KeyFile keys) => new(keys, new EhrChain.Client.EhrClient(keys, TestNetwork.ChainId, clock));
        var admin = Make(adminKeys);
        var alice = Make(KeyFile.Generate("alice", KeyRole.Patient));
        var drBob = Make(KeyFile.Generate("dr-bob", KeyRole.Doctor));
        var lab = Make(KeyFile.Generate("lab-1", KeyRole.Laboratory));

        var created = alice.Client.CreateMedicalRecord("rec-1", [Entries.Allergy("penicillin")]);
        var revocation = alice.Client.RevokeAccess(created.Keys, "dr-bob", [lab.Holder]);
        var append = drBob.Client.AppendEntries(created.Keys, [Entries.Diagnosis("asthma")]);
        var transactions = new[]
        {
            admin.Client.AddParticipant(alice.Keys, Profiles.For(KeyRole.Patient, "alice")),
            admin.Client.AddParticipant(drBob.Keys, Profiles.For(KeyRole.Doctor, "dr-bob")),
            admin.Client.AddParticipant(lab.Keys, Profiles.For(KeyRole.Laboratory, "lab-1")),
            created.Transaction,
            alice.Client.GrantAccess(created.Keys, drBob.Holder, Permission.ReadWrite),
            alice.Client.GrantAccessToLab(created.Keys, lab.Holder),
            append,
            lab.Client.AppendEntries(created.Keys, [Entries.LabResult("normal")]),
            lab.Client.AppendEntries(created.Keys, [Entries.Diagnosis("not a lab's to write")]),
            revocation.Transaction,
            drBob.Client.AppendEntries(revocation.Keys, [Entries.Diagnosis("after revocation")]),
            append,
        }.Select(t => t.ToByteString()).ToList();
        transactions.Add(ByteString.CopyFromUtf8("junk"));
        return [.. transactions];
    }

    private static (byte[] BlockBytes, ByteString StateRoot, List<KeyValuePair<byte[], byte[]>> State) Run(
        global::EhrChain.Core.Genesis.GenesisFile genesis, KeyFile adminKeys, ByteString[] batch, DateTimeOffset batchTime)
    {
        var directory = Path.Combine(Path.GetTempPath(), "ehrchain-determinism-" + Guid.NewGuid().ToString("N"));
        using var net = TestNetwork.On(RocksChainStore.Open(directory), genesis, adminKeys, directory);
        var block = net.CommitBytes(batchTime, batch);
        var stored = net.Store.GetBlock(block.Header.Height)!;
        return (stored.ToByteArray(), stored.Header.StateRoot, net.Store.ScanPrefix([]).ToList());
    }
}
