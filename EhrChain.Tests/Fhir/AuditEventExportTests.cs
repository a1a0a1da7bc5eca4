using EhrChain.Core.Wire;
using EhrChain.Fhir;
using Google.Protobuf;
using Hl7.Fhir.Model;

namespace EhrChain.Tests.Fhir;

/// <summary>The access log as FHIR AuditEvents (IHE BALP read): one per read, in chain order, each naming reader, node, patient, record and basis, valid by the SDK.</summary>
public sealed class AuditEventExportTests
{
    private static readonly long ReadAt = new DateTimeOffset(2030, 1, 1, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();

    [Test]
    public void Each_read_becomes_a_valid_audit_event_in_chain_order()
    {
        var log = new AccessLog
        {
            Records =
            {
                Read("dr-alice", "node-1", AccessBasis.Grant, height: 7, index: 0),
                Read("lab-1", "node-2", AccessBasis.Grant, height: 7, index: 1),
                Read("pat-ada", "node-0", AccessBasis.Owner, height: 9, index: 0),
            },
        };

        var bundle = AuditEventMapping.ToBundle("rec-1", "pat-ada", log);
        var events = bundle.Entry.Select(e => e.Resource).OfType<AuditEvent>().ToList();
        var reparsed = (Bundle?)FhirJson.Parse(FhirJson.ToText(bundle, pretty: false), "the export");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(events.Select(e => e.Agent.Single(a => a.Requestor == true).Who!.Identifier!.Value), Is.EqualTo(new[] { "dr-alice", "lab-1", "pat-ada" }));
            Assert.That(events.Select(e => e.Source!.Observer!.Identifier!.Value), Is.EqualTo(new[] { "node-1", "node-2", "node-0" }));
            Assert.That(events.Select(e => e.PurposeOfEvent.Single().Coding.Single().Code), Is.EqualTo(new[] { "grant", "grant", "owner" }));
            Assert.That(events.All(e => e.Action == AuditEvent.AuditEventAction.R && e.Subtype.Single().Code == "read"), Is.True);
            Assert.That(events[0].Recorded, Is.EqualTo(DateTimeOffset.FromUnixTimeMilliseconds(ReadAt)));
            Assert.That(events[0].Entity.Select(x => x.What!.Identifier!.Value), Is.EqualTo(new[] { "pat-ada", "rec-1" }));
            Assert.That(((Base64Binary)events[0].Entity[1].Detail.Single().Value!).Value, Is.EqualTo(new byte[] { 1, 2, 3 }));
            Assert.That(reparsed!.Entry, Has.Count.EqualTo(3), "the SDK reads back what it wrote");
            Assert.That(bundle.Entry.Select(e => e.FullUrl).Distinct().Count(), Is.EqualTo(3));
        }
    }

    [Test]
    public void An_empty_log_is_an_empty_collection()
    {
        var bundle = AuditEventMapping.ToBundle("rec-1", "pat-ada", new AccessLog());

        Assert.That(bundle.Entry, Is.Empty);
    }

    private static AccessLogRecord Read(string reader, string node, AccessBasis basis, ulong height, uint index) => new()
    {
        Entry = new AccessLogEntry
        {
            RecordId = "rec-1",
            ReaderId = reader,
            ReadUnixMs = ReadAt,
            NodeId = node,
            Basis = basis,
            Grant = basis == AccessBasis.Grant ? new GrantReference { GrantedUnixMs = ReadAt - 60_000, GrantedAtEpoch = 0 } : null,
            Kind = AccessKind.GetRecord,
            ReadRequest = ByteString.CopyFrom(1, 2, 3),
        },
        Height = height,
        Position = 0,
        Index = index,
    };
}
