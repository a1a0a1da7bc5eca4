using System.Buffers.Binary;
using System.Text;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Api;
using Google.Protobuf;

namespace EhrChain.Node.Peers;

/// <summary>
/// The hello that opens every peer stream: who is dialling, on which network, when — signed.
/// A listener accepts a stream only from a genesis validator on the same genesis, with a fresh hello.
/// </summary>
internal static class PeerHandshake
{
    /// <summary>How far a hello's time may be from the listener's clock; bounds how long a captured hello can be replayed.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    public static PeerHello Create(KeyFile validator, GenesisFile genesis, TimeProvider time)
    {
        var hello = new PeerHello
        {
            ValidatorId = validator.Id,
            GenesisHash = genesis.Hash.ToByteString(),
            TimeUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
        };
        hello.Signature = ByteString.CopyFrom(validator.Signing.Sign(SigningDomain.PeerHandshake, SignedBytes(hello)));
        return hello;
    }

    /// <summary>Null when the hello is acceptable; otherwise the reason to refuse the stream.</summary>
    public static string? Check(PeerHello hello, GenesisFile genesis, string selfId, TimeProvider time)
    {
        var validator = genesis.FindValidator(hello.ValidatorId);
        if (validator is null)
        {
            return $"'{hello.ValidatorId}' is not a validator of this network";
        }
        if (hello.ValidatorId == selfId)
        {
            return "a validator cannot dial itself";
        }
        if (Hash.FromByteString(hello.GenesisHash) != genesis.Hash)
        {
            return $"different genesis: the peer runs {Hash.FromByteString(hello.GenesisHash).ToShortString()}, this node {genesis.Hash.ToShortString()}";
        }
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeMilliseconds(hello.TimeUnixMs);
        if (age.Duration() > MaxAge)
        {
            return $"the hello's time is {age.TotalSeconds:F0} s from this node's clock";
        }
        return validator.SigningKey.Verify(SigningDomain.PeerHandshake, SignedBytes(hello), hello.Signature.Span)
            ? null
            : "bad hello signature";
    }

    // id length u16 || id || genesis hash (32) || time i64, big-endian.
    private static byte[] SignedBytes(PeerHello hello)
    {
        var id = Encoding.UTF8.GetBytes(hello.ValidatorId);
        var bytes = new byte[2 + id.Length + Hash.Size + 8];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)id.Length);
        id.CopyTo(bytes, 2);
        Hash.FromByteString(hello.GenesisHash.Length == Hash.Size ? hello.GenesisHash : ByteString.CopyFrom(new byte[Hash.Size]))
            .WriteTo(bytes.AsSpan(2 + id.Length));
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(2 + id.Length + Hash.Size), hello.TimeUnixMs);
        return bytes;
    }
}
