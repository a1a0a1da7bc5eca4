using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Node.Api;

/// <summary>Receipts, as Submit-with-wait and GetTransaction answer them.</summary>
public static class TransactionReceipts
{
    /// <summary>
    /// The receipt of the transaction at <paramref name="location"/>, or null when the block does not
    /// hold it. A receipt the signer can check offline: the header, the digest of every transaction in the
    /// block (what the tx root and the certificate's batch digest are computed from, and nothing
    /// a reader can learn another transaction from), the transaction itself, and the audit path
    /// of its result to the results root.
    /// </summary>
    public static TransactionReceipt? Of(Hash txId, TxLocation location, BlockCommit commit)
    {
        ArgumentNullException.ThrowIfNull(commit);
        return Of(txId, location, commit.Block, commit.Hash, commit.TxDigests);
    }

    /// <summary><see cref="Of(Hash, TxLocation, BlockCommit)"/> for a block read from the store.</summary>
    public static TransactionReceipt? Of(Hash txId, TxLocation location, Block? block) =>
        block is null ? null : Of(txId, location, block, BlockHashing.HeaderHash(block.Header), block.Transactions.Select(t => Hash.Compute(t.Span)).ToArray());

    private static TransactionReceipt? Of(Hash txId, TxLocation location, Block block, Hash blockHash, IReadOnlyList<Hash> txDigests)
    {
        if (location.Position >= block.Results.Count || location.Position >= block.Transactions.Count)
        {
            return null;
        }
        var receipt = new TransactionReceipt
        {
            TxId = txId.ToString(),
            Height = location.Height,
            Position = (uint)location.Position,
            BlockHash = blockHash.ToString(),
            BlockTimeUnixMs = block.Header.TimeUnixMs,
            Result = block.Results[location.Position],
            Certificate = block.Certificate,
            Header = block.Header,
            Transaction = block.Transactions[location.Position],
        };
        foreach (var digest in txDigests)
        {
            receipt.TxDigests.Add(digest.ToByteString());
        }
        var resultHashes = block.Results.Select(BlockHashing.ResultHash).ToArray();
        foreach (var sibling in MerkleTree.ComputeProof(resultHashes, location.Position))
        {
            receipt.ResultProof.Add(sibling.ToByteString());
        }
        return receipt;
    }
}
