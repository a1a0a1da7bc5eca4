using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Node.Errors;
using EhrChain.Node.Validators;
using Google.Protobuf;

namespace EhrChain.Node.Peers;

/// <summary>
/// The hello that opens every peer stream: who is dialling whom, on which network, when, over
/// which TLS certificate — signed. A listener accepts a stream only from a validator its directory names, on
/// the same genesis, with a fresh hello addressed to itself and bound to the client certificate of the
/// connection it arrives on, so a captured hello is worthless on any other connection and at any
/// other validator (and <see cref="SeenHellos"/> refuses its replay on a plaintext one).
/// </summary>
internal static class PeerHandshake
{
    /// <summary>How far a hello's time may be from the listener's clock; bounds how long a hello must be remembered to refuse its replay.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(60);

    /// <summary>Longer than any validator id a genesis names; bounds what a stranger can make this node hash and quote.</summary>
    public const int MaxValidatorIdBytes = 128;

    /// <summary>A hello from <paramref name="validator"/> to the validator <paramref name="listenerId"/>.</summary>
    public static PeerHello Create(KeyFile validator, string listenerId, GenesisFile genesis, TimeProvider time, ReadOnlySpan<byte> certificateHash)
    {
        ArgumentNullException.ThrowIfNull(validator);
        ArgumentException.ThrowIfNullOrEmpty(listenerId);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(time);
        var hello = new PeerHello
        {
            ValidatorId = validator.Id,
            ListenerId = listenerId,
            GenesisHash = genesis.Hash.ToByteString(),
            TimeUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            TlsCertificateSha256 = ByteString.CopyFrom(certificateHash),
        };
        hello.Signature = ByteString.CopyFrom(validator.Signing.Sign(SigningDomain.PeerHandshake, SignedBytes(hello)));
        return hello;
    }

    /// <summary>
    /// Null when the hello is acceptable on this connection; otherwise why the stream is refused.
    /// <c>connection</c> is what TLS proved about the dialler, null on a plaintext (insecure) listener.
    /// The dialler must be a validator <paramref name="directory"/> names now: the membership the
    /// chain has approved, which a joining validator enters only once its change is voted in.
    /// </summary>
    public static HelloRefusal? Check(PeerHello hello, GenesisFile genesis, ValidatorDirectory directory, string selfId, TimeProvider time, TlsPeer? connection)
    {
        ArgumentNullException.ThrowIfNull(hello);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(time);
        if (Malformed(hello) is { } malformed)
        {
            return HelloRefusal.Malformed(malformed);
        }
        var validator = directory.Find(hello.ValidatorId);
        if (validator is null)
        {
            return HelloRefusal.Refused($"'{ApiErrors.Quote(hello.ValidatorId)}' is not a validator of this network");
        }
        if (hello.ValidatorId == selfId)
        {
            return HelloRefusal.Refused("a validator cannot dial itself");
        }
        if (hello.ListenerId != selfId)
        {
            return HelloRefusal.Refused($"the hello is addressed to '{ApiErrors.Quote(hello.ListenerId)}', not to this validator");
        }
        var theirs = Hash.FromByteString(hello.GenesisHash);
        if (theirs != genesis.Hash)
        {
            return HelloRefusal.Refused($"different genesis: the peer runs {theirs.ToShortString()}, this node {genesis.Hash.ToShortString()}");
        }
        // In whole milliseconds and doubles: int64 extremes neither overflow nor throw.
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var maxMs = (long)MaxAge.TotalMilliseconds;
        if (hello.TimeUnixMs < now - maxMs || hello.TimeUnixMs > now + maxMs)
        {
            return HelloRefusal.Refused($"the hello's time is {Math.Abs((double)now - hello.TimeUnixMs) / 1000:F0} s from this node's clock (at most {MaxAge.TotalSeconds:F0} s)");
        }
        if (Unbound(hello, connection) is { } unbound)
        {
            return HelloRefusal.Refused(unbound);
        }
        return validator.SigningKey.Verify(SigningDomain.PeerHandshake, SignedBytes(hello), hello.Signature.Span)
            ? null
            : HelloRefusal.Refused("bad hello signature");
    }

    private static string? Malformed(PeerHello hello)
    {
        if (hello.ValidatorId.Length == 0)
        {
            return "the hello names no validator";
        }
        var idBytes = Encoding.UTF8.GetByteCount(hello.ValidatorId);
        if (idBytes > MaxValidatorIdBytes)
        {
            return $"the validator id is {idBytes} bytes (at most {MaxValidatorIdBytes})";
        }
        if (hello.ListenerId.Length == 0)
        {
            return "the hello names no listener";
        }
        var listenerBytes = Encoding.UTF8.GetByteCount(hello.ListenerId);
        if (listenerBytes > MaxValidatorIdBytes)
        {
            return $"the listener id is {listenerBytes} bytes (at most {MaxValidatorIdBytes})";
        }
        if (hello.GenesisHash.Length != Hash.Size)
        {
            return $"the genesis hash is {hello.GenesisHash.Length} bytes, not {Hash.Size}";
        }
        if (hello.Signature.Length != SigningPublicKey.SignatureSize)
        {
            return $"the signature is {hello.Signature.Length} bytes, not {SigningPublicKey.SignatureSize}";
        }
        if (hello.TlsCertificateSha256.Length is not (0 or SHA256.HashSizeInBytes))
        {
            return $"the TLS certificate hash is {hello.TlsCertificateSha256.Length} bytes, not {SHA256.HashSizeInBytes}";
        }
        return null;
    }

    private static string? Unbound(PeerHello hello, TlsPeer? connection)
    {
        if (connection is null)
        {
            return hello.TlsCertificateSha256.IsEmpty ? null : "the hello is bound to a TLS certificate, but this connection is plaintext";
        }
        if (!hello.TlsCertificateSha256.Span.SequenceEqual(connection.CertificateHash))
        {
            return "the hello is bound to another TLS certificate than this connection's";
        }
        return connection.ValidatorId == hello.ValidatorId
            ? null
            : $"the hello names '{ApiErrors.Quote(hello.ValidatorId)}' but the TLS certificate names '{ApiErrors.Quote(connection.ValidatorId ?? "")}'";
    }

    // id length u16 || id || listener id length u16 || listener id || genesis hash (32) || time i64
    // || certificate hash length u8 || certificate hash, big-endian.
    // Only called on a hello that passed Malformed, so every length fits.
    private static byte[] SignedBytes(PeerHello hello)
    {
        var id = Encoding.UTF8.GetBytes(hello.ValidatorId);
        var listener = Encoding.UTF8.GetBytes(hello.ListenerId);
        var certificate = hello.TlsCertificateSha256.Span;
        var bytes = new byte[2 + id.Length + 2 + listener.Length + Hash.Size + 8 + 1 + certificate.Length];
        var at = 0;
        BinaryPrimitives.WriteUInt16BigEndian(bytes, (ushort)id.Length);
        at += 2;
        id.CopyTo(bytes, at);
        at += id.Length;
        BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(at), (ushort)listener.Length);
        at += 2;
        listener.CopyTo(bytes, at);
        at += listener.Length;
        hello.GenesisHash.Span.CopyTo(bytes.AsSpan(at));
        at += Hash.Size;
        BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at), hello.TimeUnixMs);
        at += 8;
        bytes[at++] = (byte)certificate.Length;
        certificate.CopyTo(bytes.AsSpan(at));
        return bytes;
    }
}

/// <summary>What the TLS handshake proved about a dialler: its client certificate's hash and the validator it names.</summary>
internal sealed record TlsPeer(byte[] CertificateHash, string? ValidatorId);

/// <summary>Why a hello was refused; <see cref="IsMalformed"/> when it could not be a hello at all.</summary>
internal sealed record HelloRefusal(bool IsMalformed, string Reason)
{
    public static HelloRefusal Malformed(string reason) => new(true, reason);
    public static HelloRefusal Refused(string reason) => new(false, reason);
}
