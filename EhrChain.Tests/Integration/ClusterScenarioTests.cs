using EhrChain.Cli.Demo;
using EhrChain.Client.Session;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Storage.Rocks;
using EhrChain.Storage.Verification;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

/// <summary>Whole clusters of real nodes: the design's scenario, a restart, and losing the primary.</summary>
[NonParallelizable]
public sealed class ClusterScenarioTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Test]
    public async Task The_design_scenario_holds_on_four_nodes_through_the_public_api()
    {
        await using var cluster = await TestCluster.StartAsync();
        var lines = new List<string>();
        var keys = System.IO.Path.Combine(cluster.Directory, "keys");

        var outcome = await new DemoScenario(cluster.Addresses, cluster.Admin, keys, lines.Add, Timeout).RunAsync(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(outcome.LabRefusedDiagnosis, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.DoctorBReadRefused, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.DoctorBWriteRefused, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.RevokedDoctorWriteRefused, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.RevokedDoctorReadRefused, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.RevokedDoctorCannotDecrypt, Is.True);
            Assert.That(outcome.DoctorASawPatientName, Is.True, "a granted doctor reads the patient's name");
            Assert.That(outcome.DoctorBSawProfileSealed, Is.True, "an ungranted doctor sees the profile sealed");
            Assert.That(outcome.RevokedDoctorLostProfileKey, Is.True, "a revoked doctor is no longer handed the profile key");
            Assert.That(outcome.PharmacistReadPrescription, Is.True, "the pharmacist reads the prescription shared with it");
            Assert.That(outcome.PharmacistRecordReadRefused, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.SecondDispensingRefused, Is.EqualTo("ALREADY_EXISTS"));
            Assert.That(outcome.FhirRoundTripped, Is.True, "dr-alice's FHIR import comes back exactly in the patient's export");
            Assert.That(outcome.PatientReadEntries, Is.EqualTo(8), "six typed entries (a prescription among them) and two imported from FHIR");
            Assert.That(outcome.EmergencyDoctorReadEntries, Is.EqualTo(8), "break-glass: the released keys open every epoch");
            Assert.That(outcome.PatientSawEmergency, Is.True);
            Assert.That(outcome.EmergencyReviewed, Is.True);
            Assert.That(outcome.EmergencyDoctorReadRefusedAfter, Is.EqualTo("ACCESS_DENIED"));
            Assert.That(outcome.AccessLogReaders, Has.Count.EqualTo(5), "two doctors (one under the emergency), the lab, the pharmacist (its prescription copy) and the owner read the record");
            Assert.That(outcome.AccessLogEmergencyReads, Is.GreaterThan(0), "the break-glass reads are in the patient's access log");
            Assert.That(outcome.AccessLogHasRefusedReader, Is.False, "a refused read leaves no entry");
            Assert.That(outcome.HeadHashes, Has.Count.EqualTo(4));
            Assert.That(outcome.AllNodesAgree, Is.True, string.Join(Environment.NewLine, lines));
        }

        // Each node's stored chain checks out offline, commit certificates included, while it runs.
        for (var i = 0; i < cluster.Count; i++)
        {
            using var store = RocksChainStore.OpenReadOnly(System.IO.Path.Combine(cluster.Directory, "data", $"node-{i}"));
            Assert.That(ChainVerifier.Verify(store).IsValid, Is.True, $"node-{i}");
        }
    }

    [Test]
    public async Task A_node_stopped_and_restarted_catches_up_and_matches_the_others()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);

        await cluster.StopNodeAsync(3);
        ulong height = 0;
        for (var i = 0; i < 12; i++)
        {
            var patient = KeyFile.Generate($"pat-{i}", KeyRole.Patient);
            var response = await admin.SubmitAsync(admin.Client.AddParticipant(patient, new Profile { Name = $"Patient {i}" }), wait: true, CancellationToken.None);
            height = response.Receipt.Height;
        }
        await cluster.StartNodeAsync(3);

        var head = await cluster.WaitForAgreementAsync(height, Timeout);
        var restarted = await cluster.StatusAsync(3);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(restarted.Height, Is.GreaterThanOrEqualTo(height));
            Assert.That(restarted.HeadHash, Is.EqualTo(head));
        }
    }

    [Test]
    public async Task When_the_primary_stops_a_view_change_follows_and_transactions_commit_again()
    {
        await using var cluster = await TestCluster.StartAsync();
        var before = await cluster.StatusAsync(1);
        Assert.That(before.Primary, Is.EqualTo("node-0"));
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.Admin, Timeout, null, CancellationToken.None);
        await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-before", KeyRole.Patient), new Profile { Name = "Before" }), wait: true, CancellationToken.None);

        await cluster.StopNodeAsync(0);
        var response = await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-after", KeyRole.Patient), new Profile { Name = "After" }), wait: true, CancellationToken.None);

        var after = await cluster.StatusAsync(1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(response.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
            Assert.That(after.View, Is.GreaterThan(before.View));
            Assert.That(after.Primary, Is.Not.EqualTo("node-0"));
        }
        await cluster.WaitForAgreementAsync(response.Receipt.Height, Timeout);
    }

    [Test]
    public async Task A_full_mempool_pushes_back_with_resource_exhausted()
    {
        await using var cluster = await TestCluster.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Consensus:PendingPoolCapacity"] = "3",
            ["Consensus:BatchMaxCount"] = "1",
        });
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        // Without a quorum nothing commits, so whatever is admitted stays in the pool.
        for (var i = 1; i < cluster.Count; i++)
        {
            await cluster.StopNodeAsync(i);
        }

        var refusals = new List<RpcException>();
        for (var i = 0; i < 6; i++)
        {
            try
            {
                await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate($"pat-p{i}", KeyRole.Patient), new Profile { Name = "P" }), wait: false, CancellationToken.None);
            }
            catch (RpcException e)
            {
                refusals.Add(e);
            }
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusals, Is.Not.Empty);
            Assert.That(refusals.Select(e => e.StatusCode), Is.All.EqualTo(StatusCode.ResourceExhausted));
            Assert.That(refusals.Select(e => e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason), Is.All.EqualTo("MEMPOOL_FULL"));
            Assert.That((await cluster.StatusAsync(0)).MempoolSize, Is.LessThanOrEqualTo(3u));
        }
    }

    [Test]
    public async Task Health_reflection_and_status_are_served_on_the_client_port()
    {
        await using var cluster = await TestCluster.StartAsync();
        var channel = cluster.Channel(2);

        var health = await new Grpc.Health.V1.Health.HealthClient(channel).CheckAsync(new Grpc.Health.V1.HealthCheckRequest());
        var reflection = new Grpc.Reflection.V1Alpha.ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new Grpc.Reflection.V1Alpha.ServerReflectionRequest { ListServices = "" });
        await reflection.ResponseStream.MoveNext(CancellationToken.None);
        var services = reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        await reflection.RequestStream.CompleteAsync();
        var status = await cluster.StatusAsync(2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(health.Status, Is.EqualTo(Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus.Serving));
            Assert.That(services, Does.Contain("ehrchain.v1.Ledger").And.Contain("grpc.health.v1.Health"));
            Assert.That(services, Does.Not.Contain("ehrchain.v1.Peer"), "the peer service is not served on the client port");
            Assert.That(status.NodeId, Is.EqualTo("node-2"));
            Assert.That(status.ConnectedPeers, Is.Not.Empty);
        }
    }

    [Test]
    public async Task Metrics_report_height_commits_rejections_latency_and_peers()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[1], cluster.Admin, Timeout, null, CancellationToken.None);
        var enrolled = await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-m", KeyRole.Patient), new Profile { Name = "M" }), wait: true, CancellationToken.None);
        var outsider = await LedgerSession.OpenAsync(cluster.Addresses[1], KeyFile.Generate("nobody", KeyRole.Patient), Timeout, null, CancellationToken.None);
        Assert.ThrowsAsync<RpcException>(() => outsider.SubmitAsync(outsider.Client.CreateMedicalRecord("rec-x").Transaction, wait: false, CancellationToken.None));
        outsider.Dispose();
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // the sampler reads peers and view once a second

        using var http = new HttpClient();
        var text = await http.GetStringAsync(new Uri($"http://{cluster.MetricsAddress(1)}/metrics"));
        var values = text.Split('\n')
            .Where(line => line.StartsWith("ehrchain_", StringComparison.Ordinal))
            .Select(line => line.Split(' '))
            .ToDictionary(parts => parts[0], parts => double.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(values["ehrchain_height"], Is.GreaterThanOrEqualTo(enrolled.Receipt.Height));
            Assert.That(values["ehrchain_transactions_committed_total"], Is.GreaterThanOrEqualTo(1));
            Assert.That(values["ehrchain_transactions_rejected_total{stage=\"admission\",reason=\"UNKNOWN_SIGNER\"}"], Is.EqualTo(1));
            Assert.That(values["ehrchain_commit_latency_seconds_count"], Is.EqualTo(1));
            Assert.That(values["ehrchain_peers_connected"], Is.EqualTo(3));
            Assert.That(values, Does.ContainKey("ehrchain_view_changes_total"));
            Assert.That(values, Does.ContainKey("ehrchain_batch_size_count"));
        }
    }

    [Test]
    public async Task A_subscriber_receives_every_block_from_the_height_it_asks_for()
    {
        await using var cluster = await TestCluster.StartAsync();
        using var admin = await LedgerSession.OpenAsync(cluster.Addresses[0], cluster.Admin, Timeout, null, CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate($"pat-s{i}", KeyRole.Patient), new Profile { Name = "S" }), wait: true, CancellationToken.None);
        }

        using var cancel = new CancellationTokenSource(Timeout);
        var auth = admin.Client.Read(new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = 1 } });
        using var call = cluster.Client(3).Subscribe(new SubscribeRequest { FromHeight = 1, Auth = auth }, cancellationToken: cancel.Token);
        var heights = new List<ulong>();
        var live = admin.SubmitAsync(admin.Client.AddParticipant(KeyFile.Generate("pat-live", KeyRole.Patient), new Profile { Name = "Live" }), wait: true, CancellationToken.None);
        while (heights.Count < 4 && await call.ResponseStream.MoveNext(cancel.Token))
        {
            heights.Add(call.ResponseStream.Current.Height);
            Assert.That(call.ResponseStream.Current.Outcomes, Has.Count.GreaterThan(0));
        }
        await live;

        Assert.That(heights, Is.EqualTo(new ulong[] { 1, 2, 3, 4 }));
    }
}
