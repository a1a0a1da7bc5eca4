using EhrChain.Consensus;
using EhrChain.Storage;

namespace EhrChain.Node.Chain;

/// <summary>The replica's durable records (view, votes, checkpoints), kept in the chain store's meta family under "consensus/".</summary>
public sealed class MetaConsensusStore(IMetaStore meta) : IConsensusStore
{
    private const string Prefix = "consensus/";

    public byte[]? Read(string key) => meta.GetMeta(Prefix + key);

    public void Write(string key, byte[] value) => meta.PutMeta(Prefix + key, value);

    public void Delete(string key) => meta.DeleteMeta(Prefix + key);

    public IReadOnlyList<KeyValuePair<string, byte[]>> ReadPrefix(string prefix) =>
        meta.ScanMeta(Prefix + prefix)
            .Select(kv => new KeyValuePair<string, byte[]>(kv.Key[Prefix.Length..], kv.Value))
            .ToList();
}
