namespace EhrChain.Storage.Snapshots;

/// <summary>Snapshot content that does not match what was certified, or does not decode; the message says which.</summary>
public sealed class SnapshotRejectedException : Exception
{
    public SnapshotRejectedException(string message) : base(message) { }
    public SnapshotRejectedException(string message, Exception inner) : base(message, inner) { }
    public SnapshotRejectedException() { }
}
