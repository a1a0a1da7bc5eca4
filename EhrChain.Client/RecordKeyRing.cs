using EhrChain.Core.Crypto;

namespace EhrChain.Client;

/// <summary>
/// The data keys of one record that a reader holds, by epoch. Epoch 0 is created with the record;
/// each revocation adds the next. Held only on the client: nodes see keys sealed, never these.
/// </summary>
public sealed class RecordKeyRing
{
    private readonly SortedDictionary<uint, byte[]> _keys;

    internal RecordKeyRing(string recordId, uint currentEpoch, SortedDictionary<uint, byte[]> keys)
    {
        RecordId = recordId;
        CurrentEpoch = currentEpoch;
        _keys = keys;
    }

    public string RecordId { get; }

    /// <summary>The epoch new entries are encrypted under.</summary>
    public uint CurrentEpoch { get; }

    /// <summary>The epochs this ring holds a key for, ascending.</summary>
    public IReadOnlyCollection<uint> Epochs => _keys.Keys;

    public bool HasKey(uint epoch) => _keys.ContainsKey(epoch);

    public byte[] KeyFor(uint epoch) =>
        _keys.TryGetValue(epoch, out var key)
            ? (byte[])key.Clone()
            : throw new InvalidOperationException($"No data key for epoch {epoch} of record '{RecordId}' is held.");

    /// <summary>A ring holding one key obtained some other way (restored from a backup, or, for an outsider, simply made up).</summary>
    public static RecordKeyRing FromKey(string recordId, uint epoch, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return new RecordKeyRing(recordId, epoch, new SortedDictionary<uint, byte[]> { [epoch] = (byte[])key.Clone() });
    }

    internal static RecordKeyRing CreateNew(string recordId) => new(recordId, 0, new SortedDictionary<uint, byte[]> { [0] = ContentCipher.GenerateKey() });

    internal RecordKeyRing WithNextEpoch(out byte[] nextKey)
    {
        nextKey = ContentCipher.GenerateKey();
        var keys = new SortedDictionary<uint, byte[]>(_keys) { [CurrentEpoch + 1] = nextKey };
        return new RecordKeyRing(RecordId, CurrentEpoch + 1, keys);
    }
}
