namespace EhrChain.Consensus;

/// <summary>The replica's timers; each kind has at most one pending deadline.</summary>
public enum ReplicaTimer
{
    /// <summary>The primary cuts a partial batch.</summary>
    Linger,
    /// <summary>A pending request waited too long: ask for a new view.</summary>
    Request,
    /// <summary>A view change did not complete in time: try the next view.</summary>
    ViewChange,
    /// <summary>Send the status heartbeat; retry catch-up if it stalled.</summary>
    Status,
}
