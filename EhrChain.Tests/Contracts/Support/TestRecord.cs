using EhrChain.Client;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>A record in a test: its owner and the key ring the owner holds (advanced by each accepted revocation).</summary>
internal sealed class TestRecord(Actor owner, RecordKeyRing keys)
{
    public Actor Owner { get; } = owner;
    public RecordKeyRing Keys { get; set; } = keys;
    public string Id => Keys.RecordId;

    public override string ToString() => Id;
}
