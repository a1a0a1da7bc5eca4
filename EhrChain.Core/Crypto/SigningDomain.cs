namespace EhrChain.Core.Crypto;

/// <summary>
/// What a signature is for. Each domain has its own prefix, so a signature made for one kind of
/// message can never be replayed as another (a signed read request is never a signed transaction).
/// </summary>
public enum SigningDomain
{
    Transaction,
    ConsensusMessage,
    ReadRequest,
    PeerHandshake,
}

internal static class SigningDomainPrefix
{
    private static readonly byte[] TransactionPrefix = "ehrchain/v1/transaction\0"u8.ToArray();
    private static readonly byte[] ConsensusPrefix = "ehrchain/v1/consensus\0"u8.ToArray();
    private static readonly byte[] ReadRequestPrefix = "ehrchain/v1/read-request\0"u8.ToArray();
    private static readonly byte[] PeerHandshakePrefix = "ehrchain/v1/peer-hello\0"u8.ToArray();

    public static byte[] For(SigningDomain domain) => domain switch
    {
        SigningDomain.Transaction => TransactionPrefix,
        SigningDomain.ConsensusMessage => ConsensusPrefix,
        SigningDomain.ReadRequest => ReadRequestPrefix,
        SigningDomain.PeerHandshake => PeerHandshakePrefix,
        _ => throw new ArgumentOutOfRangeException(nameof(domain), domain, "Unknown signing domain."),
    };
}
