using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Node.Api;

namespace EhrChain.Client;

/// <summary>
/// Checks a transaction receipt offline against the genesis validators, trusting nothing the node
/// said: the transaction's bytes are its id and the digest at its position, the digests make the
/// header's tx root, the result's audit path makes the results root, the header hashes to the
/// block hash, and 2f + 1 validators signed COMMIT for (the header's view, its height, the batch
/// digest of its time and those digests). A node can then neither move a transaction nor invent
/// a block. The certificate covers the ordered batch, not what executing it produced: the result
/// is the one the header's results root commits to, and that root is the answering node's, so a
/// result is as trustworthy as the block hash, which f + 1 nodes agreeing on settles.
/// </summary>
public static class ReceiptVerifier
{
    /// <summary>Null when the receipt proves itself; otherwise what is wrong with it.</summary>
    public static string? Check(TransactionReceipt receipt, ValidatorSet validators)
    {
        ArgumentNullException.ThrowIfNull(receipt);
        ArgumentNullException.ThrowIfNull(validators);
        if (receipt.Header is not { } header)
        {
            return "the receipt carries no block header";
        }
        if (!Hash.TryParse(receipt.TxId, out var txId))
        {
            return "the receipt's tx id is not a hash";
        }
        Hash headerHash;
        try
        {
            headerHash = BlockHashing.HeaderHash(header);
        }
        catch (FormatException e)
        {
            return $"the header is malformed: {e.Message}";
        }
        if (!Hash.TryParse(receipt.BlockHash, out var blockHash) || headerHash != blockHash)
        {
            return "the header does not hash to the block hash";
        }
        if (header.Height != receipt.Height || header.TimeUnixMs != receipt.BlockTimeUnixMs)
        {
            return "the header is for another height or time than the receipt says";
        }
        if (receipt.TxDigests.Any(d => d.Length != Hash.Size))
        {
            return "a transaction digest is not 32 bytes";
        }
        var digests = receipt.TxDigests.Select(d => new Hash(d.Span)).ToArray();
        if (receipt.Position >= digests.Length)
        {
            return $"position {receipt.Position} is outside the block's {digests.Length} transactions";
        }
        if (TransactionIds.OfSignedTransaction(receipt.Transaction.Span) != txId)
        {
            return "the transaction carried is not the one with this tx id";
        }
        if (Hash.Compute(receipt.Transaction.Span) != digests[receipt.Position])
        {
            return $"the transaction is not at position {receipt.Position} of the block";
        }
        if (MerkleTree.ComputeRoot(digests) != Hash.FromByteString(header.TxRoot))
        {
            return "the transaction digests do not make the header's tx root";
        }
        if (receipt.Result is null || receipt.ResultProof.Any(p => p.Length != Hash.Size)
            || !MerkleTree.VerifyProof(BlockHashing.ResultHash(receipt.Result), (int)receipt.Position, digests.Length,
                receipt.ResultProof.Select(p => new Hash(p.Span)).ToArray(), Hash.FromByteString(header.ResultsRoot)))
        {
            return "the result is not the one the header's results root commits to";
        }
        if (receipt.Certificate is not { } certificate)
        {
            return "the receipt carries no commit certificate";
        }
        if (certificate.View != header.View)
        {
            return $"the certificate is for view {certificate.View}, the header says {header.View}";
        }
        var batch = ConsensusHashing.BatchDigestOfDigests(header.TimeUnixMs, digests);
        return CommitCertificates.Verify(certificate, validators, header.Height, batch, out var reason)
            ? null
            : $"bad commit certificate: {reason}";
    }
}
