using EhrChain.Consensus;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Tests.Consensus.Simulation;

namespace EhrChain.Tests.Consensus;

/// <summary>Snapshot attestations, and replicas joining from a certified snapshot in a simulated cluster.</summary>
[TestFixture]
public sealed class StateSyncTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(120);

    private static readonly SigningKeyPair[] Keys = Enumerable.Range(1, 4).Select(i => SigningKeyPair.FromPrivateKey(Enumerable.Repeat((byte)i, 32).ToArray())).ToArray();
    private static readonly ValidatorSet Validators = new(Keys.Select((k, i) => ($"validator-{i}", k.PublicKey)));

    private static SnapshotAttestation AnAttestation(string digestSeed = "snapshot") => new()
    {
        Sequence = 1000,
        StateRoot = Hash.Compute("root"u8).ToByteString(),
        SnapshotDigest = Hash.Compute(System.Text.Encoding.UTF8.GetBytes(digestSeed)).ToByteString(),
        ChunkCount = 7,
        TotalBytes = 7_000_000,
    };

    private static ConsensusEnvelope AttestedBy(int validator, SnapshotAttestation attestation) =>
        Envelopes.Seal($"validator-{validator}", Keys[validator], new ConsensusMessage { SnapshotAttestation = attestation });

    private static bool Verify(IReadOnlyList<ConsensusEnvelope> envelopes, out string reason) =>
        SnapshotCertificates.Verify(envelopes, Validators, out _, out reason);

    [Test]
    public void A_snapshot_attested_by_a_quorum_of_validators_is_certified()
    {
        var certified = SnapshotCertificates.Verify([AttestedBy(0, AnAttestation()), AttestedBy(2, AnAttestation()), AttestedBy(3, AnAttestation())],
            Validators, out var attestation, out var reason);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(certified, Is.True, reason);
            Assert.That(attestation, Is.EqualTo(AnAttestation()));
        }
    }

    [Test]
    public void Attestations_from_fewer_than_a_quorum_are_refused()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Verify([AttestedBy(0, AnAttestation()), AttestedBy(1, AnAttestation())], out var reason), Is.False);
            Assert.That(reason, Does.Contain("2 attestations; a quorum is 3"));
            Assert.That(Verify([], out _), Is.False);
        }
    }

    [Test]
    public void An_attestation_with_a_bad_signature_is_refused()
    {
        var forged = AttestedBy(2, AnAttestation());
        forged.Sender = "validator-1";

        Assert.That(Verify([AttestedBy(0, AnAttestation()), forged, AttestedBy(3, AnAttestation())], out var reason), Is.False);
        Assert.That(reason, Does.Contain("'validator-1' does not open: BadSignature"));
    }

    [Test]
    public void A_validator_attesting_twice_does_not_make_a_quorum()
    {
        Assert.That(Verify([AttestedBy(0, AnAttestation()), AttestedBy(0, AnAttestation()), AttestedBy(3, AnAttestation())], out var reason), Is.False);
        Assert.That(reason, Does.Contain("attested twice"));
    }

    [Test]
    public void Attestations_of_different_snapshots_do_not_certify_either()
    {
        Assert.That(Verify([AttestedBy(0, AnAttestation()), AttestedBy(1, AnAttestation("other")), AttestedBy(3, AnAttestation())], out var reason), Is.False);
        Assert.That(reason, Does.Contain("attested a different snapshot"));
    }

    [Test]
    public void An_envelope_that_is_not_an_attestation_is_refused()
    {
        var status = Envelopes.Seal("validator-1", Keys[1], new ConsensusMessage { Status = new Status { LastExecuted = 1000 } });

        Assert.That(Verify([AttestedBy(0, AnAttestation()), status, AttestedBy(3, AnAttestation())], out var reason), Is.False);
        Assert.That(reason, Does.Contain("not a snapshot attestation"));
    }

    private static ConsensusOptions StateSyncOptions()
    {
        var options = SimCluster.DefaultOptions();
        options.BatchMaxCount = 2;
        options.SnapshotInterval = 50;
        options.StateSyncDistance = 60;
        return options;
    }

    /// <summary>Orders requests on replicas 0-2 until the chain is past <paramref name="height"/>.</summary>
    private static void OrderUntil(SimCluster cluster, ulong height)
    {
        while (cluster.Monitor.Height < height)
        {
            cluster.Submit(cluster.Random.Next(0, 3));
            cluster.RunFor(TimeSpan.FromMilliseconds(cluster.Random.Next(1, 8)));
        }
    }

    private static void AssertJoinedFromSnapshot(SimCluster cluster, int joiner)
    {
        Assert.That(cluster.RunUntil(cluster.Converged, Settle), Is.True, cluster.Describe());
        var replica = cluster.Replica(joiner)!;
        var application = cluster.Applications[joiner];
        using (Assert.EnterMultipleScope())
        {
            Assert.That(replica.SnapshotsInstalled, Is.EqualTo(1), cluster.Describe() + "; " + replica.LastStateSyncRefusal);
            Assert.That(application.InstalledFrom, Is.GreaterThan(0UL));
            Assert.That(application.InstalledFrom % 50, Is.Zero, "a snapshot is taken every 50 batches");
            Assert.That(replica.StateSyncBytesReceived, Is.GreaterThan(0UL));
            Assert.That(application.LastExecuted, Is.EqualTo(cluster.Applications[0].LastExecuted));
            Assert.That(application.ExecutedRequests.ToHashSet().SetEquals(cluster.Applications[0].ExecutedRequests), Is.True,
                "the joined replica knows every executed request, those before the snapshot included");
            Assert.That(application.Chain.Select(b => b.Sequence).FirstOrDefault(), Is.EqualTo(application.InstalledFrom + 1), "nothing below the snapshot was replayed");
        }
    }

    [Test]
    public void A_wiped_replica_rejoins_from_a_certified_snapshot_while_the_others_keep_ordering()
    {
        var cluster = new SimCluster(seed: 1201, options: StateSyncOptions());
        OrderUntil(cluster, 40);
        cluster.Wipe(3);
        OrderUntil(cluster, 170);

        cluster.Restart(3);
        OrderUntil(cluster, 200);

        AssertJoinedFromSnapshot(cluster, 3);
        Assert.That(cluster.Replica(0)!.CertifiedSnapshot, Is.GreaterThanOrEqualTo(150UL));
    }

    [Test]
    public void A_joining_replica_refuses_bad_chunks_and_takes_them_from_another_attester()
    {
        var cluster = new SimCluster(seed: 1202, options: StateSyncOptions());
        for (var i = 0; i < 3; i++)
        {
            cluster.Applications[i].CorruptsChunksAt = i;
        }
        cluster.Wipe(3);
        OrderUntil(cluster, 130);

        cluster.Restart(3);
        OrderUntil(cluster, 150);

        AssertJoinedFromSnapshot(cluster, 3);
        Assert.That(cluster.Replica(3)!.Drops[DropReason.InvalidStateSync], Is.GreaterThan(0), "every attester serves every third chunk corrupted");
    }

    [Test]
    public void A_joiner_that_crashes_in_the_middle_of_a_transfer_starts_it_again_and_installs()
    {
        var cluster = new SimCluster(seed: 1204, options: StateSyncOptions());
        cluster.Wipe(3);
        OrderUntil(cluster, 130);
        cluster.Restart(3);
        var midTransfer = cluster.RunUntil(() => cluster.Replica(3)!.StateSyncBytesReceived > 0, TimeSpan.FromSeconds(10));
        Assert.That(midTransfer && cluster.Replica(3)!.SnapshotsInstalled == 0, Is.True, "the crash should come between two chunks: " + cluster.Describe());

        cluster.Restart(3);
        OrderUntil(cluster, 150);

        AssertJoinedFromSnapshot(cluster, 3);
    }

    [Test]
    public void A_replica_less_far_behind_than_the_state_sync_distance_catches_up_by_batches()
    {
        var cluster = new SimCluster(seed: 1203, options: StateSyncOptions());
        cluster.Crash(3);
        OrderUntil(cluster, 55);

        cluster.Restart(3);

        Assert.That(cluster.RunUntil(cluster.Converged, Settle), Is.True, cluster.Describe());
        using (Assert.EnterMultipleScope())
        {
            Assert.That(cluster.Replica(3)!.SnapshotsInstalled, Is.Zero);
            Assert.That(cluster.Applications[3].InstalledFrom, Is.Zero);
            Assert.That(cluster.Applications[3].Chain.Select(b => b.Certificate.BatchDigest), Is.EqualTo(cluster.Applications[0].Chain.Select(b => b.Certificate.BatchDigest)));
        }
    }
}
