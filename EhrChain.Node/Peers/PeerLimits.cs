namespace EhrChain.Node.Peers;

internal static class PeerLimits
{
    /// <summary>
    /// The largest peer message: a PRE-PREPARE carries a whole batch and a catch-up answer several
    /// committed batches, so this sits well above the batch size limit.
    /// </summary>
    public const int MaxMessageBytes = 64 * 1024 * 1024;
}
