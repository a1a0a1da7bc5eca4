using System.Buffers.Binary;
using System.Text;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Core.Chain;

/// <summary>
/// The canonical bytes of block headers and transaction results, and the hashes and roots over
/// them. The layout is fixed here rather than left to a protobuf encoder, so any implementation
/// in any language derives the same block hash from the same header.
/// </summary>
public static class BlockHashing
{
    private static readonly byte[] HeaderPrefix = "ehrchain/v1/block-header\0"u8.ToArray();
    private static readonly byte[] ResultPrefix = "ehrchain/v1/tx-result\0"u8.ToArray();

    /// <summary>
    /// <c>prefix || height u64 || prev_hash || tx_root || results_root || state_root || time i64</c>,
    /// integers big-endian. The header's view and proposer are left out: honest replicas can commit
    /// the same batch in different views (a batch prepared in v and carried into v + 1 by NEW-VIEW
    /// commits in v at some, in v + 1 at others), so hashing them made equal chains hash apart.
    /// They are the answering node's record, vouched for by the certificate's signed view.
    /// </summary>
    public static byte[] CanonicalHeaderBytes(BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var bytes = new byte[HeaderPrefix.Length + 8 + 4 * Hash.Size + 8];
        var span = bytes.AsSpan();
        HeaderPrefix.CopyTo(span);
        var at = HeaderPrefix.Length;
        BinaryPrimitives.WriteUInt64BigEndian(span[at..], header.Height);
        at += 8;
        foreach (var field in (ReadOnlySpan<Google.Protobuf.ByteString>)[header.PrevHash, header.TxRoot, header.ResultsRoot, header.StateRoot])
        {
            HashField(field).WriteTo(span[at..]);
            at += Hash.Size;
        }
        BinaryPrimitives.WriteInt64BigEndian(span[at..], header.TimeUnixMs);
        return bytes;
    }

    public static Hash HeaderHash(BlockHeader header) => Hash.Compute(CanonicalHeaderBytes(header));

    public static Hash ResultHash(TxResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var reason = Encoding.UTF8.GetBytes(result.Reason);
        var bytes = new byte[ResultPrefix.Length + 4 + reason.Length];
        ResultPrefix.CopyTo(bytes, 0);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(ResultPrefix.Length), (int)result.Code);
        reason.CopyTo(bytes, ResultPrefix.Length + 4);
        return Hash.Compute(bytes);
    }

    /// <summary>
    /// Merkle root over SHA-256 of each transaction's exact signed bytes, signature included, so
    /// the block hash commits to every byte the block stores (a tx id covers only the payload).
    /// </summary>
    public static Hash TxRoot(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        var leaves = new Hash[block.Transactions.Count];
        for (var i = 0; i < leaves.Length; i++)
        {
            leaves[i] = Hash.Compute(block.Transactions[i].Span);
        }
        return MerkleTree.ComputeRoot(leaves);
    }

    /// <summary>
    /// <see cref="TxRoot(Block)"/> from each transaction's SHA-256 (its <see cref="DecodedTransaction.Digest"/>,
    /// which consensus computed already), for a producer that holds them.
    /// </summary>
    public static Hash TxRootOfDigests(IReadOnlyList<Hash> transactionDigests) => MerkleTree.ComputeRoot(transactionDigests);

    public static Hash ResultsRoot(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        return MerkleTree.ComputeRoot(block.Results.Select(ResultHash).ToArray());
    }

    private static Hash HashField(Google.Protobuf.ByteString field) =>
        field.IsEmpty ? Hash.Zero
        : field.Length == Hash.Size ? new Hash(field.Span)
        : throw new FormatException($"A header hash field is {field.Length} bytes; expected {Hash.Size}.");
}
