namespace EhrChain.Consensus;

/// <summary>
/// Small durable records (view, votes, stable checkpoint). <see cref="Write"/> and
/// <see cref="Delete"/> must be durable when they return: the replica sends a vote only after it
/// is stored, which is what keeps it from signing two digests for one slot across a restart.
/// </summary>
public interface IConsensusStore
{
    byte[]? Read(string key);
    void Write(string key, byte[] value);
    void Delete(string key);

    /// <summary>Every record whose key starts with <paramref name="prefix"/>, in ordinal key order.</summary>
    IReadOnlyList<KeyValuePair<string, byte[]>> ReadPrefix(string prefix);
}
