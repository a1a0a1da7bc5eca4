using System.Buffers.Binary;
using System.Collections.Concurrent;

namespace EhrChain.Core.Crypto;

/// <summary>
/// Decoded Ed25519 public keys by their 32 bytes. Decoding a key (a point decompression, about a
/// tenth of a verification) happened on every signature check: admission, execution and read
/// requests each rebuilt the signer's key from the bytes stored in state. A network has few
/// signers, so their decoded keys are kept; the cache is cleared when it grows past its bound,
/// so a flood of distinct keys costs memory only up to that bound.
/// </summary>
internal static class DecodedSigningKeys
{
    private const int Capacity = 16_384;
    private static readonly ConcurrentDictionary<KeyBytes, SigningPublicKey> Keys = new();

    public static SigningPublicKey? Find(ReadOnlySpan<byte> bytes) =>
        Keys.TryGetValue(KeyBytes.From(bytes), out var key) ? key : null;

    public static void Remember(SigningPublicKey key)
    {
        if (Keys.Count >= Capacity)
        {
            Keys.Clear();
        }
        Keys.TryAdd(KeyBytes.From(key.Bytes), key);
    }

    private readonly record struct KeyBytes(ulong A, ulong B, ulong C, ulong D)
    {
        public static KeyBytes From(ReadOnlySpan<byte> bytes) => new(
            BinaryPrimitives.ReadUInt64LittleEndian(bytes),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
            BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));
    }
}
