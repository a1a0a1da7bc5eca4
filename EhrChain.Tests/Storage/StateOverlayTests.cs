using System.Text;
using EhrChain.Storage;

namespace EhrChain.Tests.Storage;

/// <summary>Reading through a block's pending writes, and remembering reads of a snapshot.</summary>
public sealed class StateOverlayTests
{
    [Test]
    public void An_overlay_scan_merges_pending_writes_into_the_base_in_key_order_within_the_prefix()
    {
        var baseState = new CountingState { ["r/1"] = "base-1", ["r/3"] = "base-3", ["r/4"] = "base-4", ["s/1"] = "other" };
        var writes = new StateWriteSet();
        writes.Put(Bytes("r/2"), Bytes("new-2"));
        writes.Put(Bytes("r/3"), Bytes("new-3"));
        writes.Delete(Bytes("r/4"));
        writes.Put(Bytes("q"), Bytes("before"));
        writes.Put(Bytes("s/0"), Bytes("after"));

        var scanned = new StateOverlay(baseState, writes).ScanPrefix(Bytes("r/"))
            .Select(kv => $"{Text(kv.Key)}={Text(kv.Value)}").ToList();

        Assert.That(scanned, Is.EqualTo(new[] { "r/1=base-1", "r/2=new-2", "r/3=new-3" }));
    }

    [Test]
    public void Pending_writes_list_a_prefix_only_and_the_digest_ignores_write_order()
    {
        var first = new StateWriteSet();
        first.Put(Bytes("b/1"), Bytes("x"));
        first.Put(Bytes("a"), Bytes("y"));
        first.Put(Bytes("b/2"), Bytes("z"));
        first.Put(Bytes("b/1"), Bytes("x2"));
        var second = new StateWriteSet();
        second.Put(Bytes("b/2"), Bytes("z"));
        second.Put(Bytes("b/1"), Bytes("x2"));
        second.Put(Bytes("a"), Bytes("y"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.WithPrefix(Bytes("b/")).Select(w => Text(w.Key)), Is.EqualTo(new[] { "b/1", "b/2" }));
            Assert.That(first.WithPrefix(Bytes("c")), Is.Empty);
            Assert.That(first.Writes.Select(w => Text(w.Key)), Is.EqualTo(new[] { "a", "b/1", "b/2" }));
            Assert.That(first.Digest(), Is.EqualTo(second.Digest()));
        }
    }

    [Test]
    public void A_remembering_reader_reads_each_key_once_including_missing_keys()
    {
        var baseState = new CountingState { ["p/1"] = "alice" };
        var reader = new RememberingStateReader(baseState);

        var values = Enumerable.Range(0, 3).Select(_ => reader.GetValue(Bytes("p/1"))).ToList();
        var missing = Enumerable.Range(0, 3).Select(_ => reader.GetValue(Bytes("p/2"))).ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(values.Select(v => Text(v!)), Is.All.EqualTo("alice"));
            Assert.That(missing, Is.All.Null);
            Assert.That(baseState.Reads, Is.EqualTo(2));
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>An in-memory state that counts point reads.</summary>
    private sealed class CountingState : Dictionary<string, string>, IStateReader
    {
        public int Reads { get; private set; }

        public byte[]? GetValue(ReadOnlySpan<byte> key)
        {
            Reads++;
            return TryGetValue(Encoding.UTF8.GetString(key), out var value) ? Bytes(value) : null;
        }

        public IEnumerable<KeyValuePair<byte[], byte[]>> ScanPrefix(byte[] prefix) =>
            this.Where(kv => kv.Key.StartsWith(Encoding.UTF8.GetString(prefix), StringComparison.Ordinal))
                .OrderBy(kv => kv.Key, StringComparer.Ordinal)
                .Select(kv => new KeyValuePair<byte[], byte[]>(Bytes(kv.Key), Bytes(kv.Value)));
    }
}
