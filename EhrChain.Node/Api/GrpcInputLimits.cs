using EhrChain.Node.Configuration;
using EhrChain.Node.Peers;

namespace EhrChain.Node.Api;

/// <summary>
/// The largest request message each port accepts, one number per port so that Kestrel's body
/// limit, gRPC's MaxReceiveMessageSize and the request guard all say the same thing.
/// </summary>
public sealed record GrpcInputLimits(int ClientMessageBytes, int PeerMessageBytes)
{
    /// <summary>The 5-byte gRPC frame header (compressed flag, big-endian length) before each message.</summary>
    public const int FrameHeaderBytes = 5;

    /// <summary>
    /// Room around the largest transaction: a SubmitRequest wraps it in a few bytes of framing,
    /// and reads and status requests are far smaller than a transaction.
    /// </summary>
    public const int ClientHeadroomBytes = 16 * 1024;

    public static GrpcInputLimits From(AdmissionOptions admission)
    {
        ArgumentNullException.ThrowIfNull(admission);
        return new GrpcInputLimits(admission.MaxTransactionBytes + ClientHeadroomBytes, PeerLimits.MaxMessageBytes);
    }

    /// <summary>Kestrel's request body limit: the larger port's message and its frame header, so gRPC's own check always comes first.</summary>
    public long LargestBodyBytes => (long)Math.Max(ClientMessageBytes, PeerMessageBytes) + FrameHeaderBytes;

    public int For(Type serviceType) => serviceType == typeof(PeerService) ? PeerMessageBytes : ClientMessageBytes;
}
