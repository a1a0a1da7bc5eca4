using System.Buffers.Binary;
using EhrChain.Core.Crypto;
using Google.Protobuf;

namespace EhrChain.Tests.Consensus.Simulation;

/// <summary>
/// Client requests for the simulation: a numbered payload signed with a real Ed25519 client key,
/// as <c>length u32 || payload || signature</c>, so replicas check real signatures.
/// </summary>
internal sealed class SimRequests(SigningKeyPair client, Random random)
{
    public const byte CensoredMarker = 0xCE;

    public SigningPublicKey ClientKey => client.PublicKey;

    public ByteString Create(int number, bool censored = false)
    {
        var payload = new byte[16 + random.Next(0, 48)];
        random.NextBytes(payload);
        payload[0] = censored ? CensoredMarker : (byte)0;
        BinaryPrimitives.WriteInt32BigEndian(payload.AsSpan(1), number);
        return Sign(client, payload);
    }

    /// <summary>A request of <paramref name="payload"/> signed by <paramref name="client"/>, in the layout <see cref="Validate"/> checks.</summary>
    public static ByteString Sign(SigningKeyPair client, byte[] payload)
    {
        var signature = client.Sign(SigningDomain.Transaction, payload);
        var bytes = new byte[4 + payload.Length + signature.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)payload.Length);
        payload.CopyTo(bytes, 4);
        signature.CopyTo(bytes, 4 + payload.Length);
        return ByteString.CopyFrom(bytes);
    }

    public static bool IsCensored(ByteString request) => request.Length > 4 && request.Span[4] == CensoredMarker;

    public static string? Validate(SigningPublicKey key, ByteString request)
    {
        var span = request.Span;
        if (span.Length < 4)
        {
            return "too short";
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(span);
        if (length != span.Length - 4 - SigningPublicKey.SignatureSize)
        {
            return "bad length";
        }
        return key.Verify(SigningDomain.Transaction, span.Slice(4, (int)length), span[(4 + (int)length)..])
            ? null
            : "bad signature";
    }
}
