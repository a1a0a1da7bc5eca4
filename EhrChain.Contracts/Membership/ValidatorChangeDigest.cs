using System.Buffers.Binary;
using System.Text;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Contracts.Membership;

/// <summary>
/// The identity of a change, independent of how a voter's client ordered it: SHA-256 over a
/// domain tag, then the adds sorted by id (each field length-prefixed), then the removes sorted.
/// Two validators who list the same adds in another order vote for the same change. The encoding
/// is spelled out rather than protobuf bytes, which do not promise one byte form for one message.
/// </summary>
public static class ValidatorChangeDigest
{
    private static readonly byte[] Domain = Encoding.ASCII.GetBytes("ehrchain/validator-change/v1");

    public static Hash Of(ValidatorChange change)
    {
        ArgumentNullException.ThrowIfNull(change);
        using var buffer = new MemoryStream();
        WriteBytes(buffer, Domain);
        WriteCount(buffer, change.Add.Count);
        foreach (var add in change.Add.OrderBy(a => a.Id, StringComparer.Ordinal))
        {
            WriteBytes(buffer, Encoding.UTF8.GetBytes(add.Id));
            WriteBytes(buffer, Encoding.UTF8.GetBytes(add.Address));
            WriteBytes(buffer, add.SigningPublicKey.Span);
            WriteBytes(buffer, add.EncryptionPublicKey.Span);
        }
        WriteCount(buffer, change.Remove.Count);
        foreach (var remove in change.Remove.Order(StringComparer.Ordinal))
        {
            WriteBytes(buffer, Encoding.UTF8.GetBytes(remove));
        }
        return Hash.Compute(buffer.ToArray());
    }

    private static void WriteCount(MemoryStream buffer, int count)
    {
        Span<byte> prefix = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, (uint)count);
        buffer.Write(prefix);
    }

    private static void WriteBytes(MemoryStream buffer, ReadOnlySpan<byte> bytes)
    {
        WriteCount(buffer, bytes.Length);
        buffer.Write(bytes);
    }
}
