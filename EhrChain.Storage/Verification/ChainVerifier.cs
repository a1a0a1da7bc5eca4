using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;

namespace EhrChain.Storage.Verification;

/// <summary>The outcome of walking a chain: valid, or the first height that fails and why.</summary>
public sealed record ChainVerification(ulong BlocksChecked, ulong? FirstBadHeight, string? Reason)
{
    public bool IsValid => FirstBadHeight is null;
}

/// <summary>
/// Walks a stored chain from its base (block 0, or the snapshot block it was installed from) to
/// the head and checks, for each block, that it decodes,
/// sits at its height, links to the previous block's hash, still has the hash the index recorded
/// when it was stored, and that its tx root and results root match its contents. The base block of
/// a store installed from a snapshot links to a block that was never transferred, so its link is
/// taken as given; its commit certificate (the extra check) is what vouches for it.
/// </summary>
public static class ChainVerifier
{
    /// <summary>Checks every block from the base to the head; <paramref name="extraCheck"/> (for example of commit certificates) returns a reason when a block fails it.</summary>
    public static ChainVerification Verify(IBlockStore store, Func<Block, string?>? extraCheck = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        if (store.Head is not { } head)
        {
            return new ChainVerification(0, null, null);
        }

        var previous = Hash.Zero;
        var first = store.BaseHeight;
        if (first > 0 && store.GetBlock(first)?.Header is { } baseHeader)
        {
            previous = Hash.FromByteString(baseHeader.PrevHash);
        }
        for (var height = first; height <= head.Height; height++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (hash, reason) = Check(store, height, previous, extraCheck);
            if (reason is null && height == head.Height && hash != head.Hash)
            {
                reason = $"the head records hash {head.Hash.ToShortString()} but the block hashes to {hash.ToShortString()}";
            }
            if (reason is not null)
            {
                return new ChainVerification(height - first, height, reason);
            }
            previous = hash;
        }
        return new ChainVerification(head.Height - first + 1, null, null);
    }

    private static (Hash Hash, string? Reason) Check(IBlockStore store, ulong height, Hash previous, Func<Block, string?>? extraCheck)
    {
        Block? block;
        try
        {
            block = store.GetBlock(height);
        }
        catch (StorageException e)
        {
            return (Hash.Zero, e.Message);
        }
        if (block?.Header is not { } header)
        {
            return (Hash.Zero, "the block is missing");
        }

        Hash hash;
        try
        {
            hash = BlockHashing.HeaderHash(header);
        }
        catch (FormatException e)
        {
            return (Hash.Zero, $"the header is malformed: {e.Message}");
        }
        if (header.Height != height)
        {
            return (hash, $"the header says height {header.Height}");
        }
        if (Hash.FromByteString(header.PrevHash) != previous)
        {
            return (hash, $"it links to {Hash.FromByteString(header.PrevHash).ToShortString()}, not to the previous block {previous.ToShortString()}");
        }
        if (store.GetHeight(hash) != height)
        {
            return (hash, "the header no longer hashes to the hash recorded when the block was stored");
        }
        if (BlockHashing.TxRoot(block) != Hash.FromByteString(header.TxRoot))
        {
            return (hash, "the transactions do not match the tx root");
        }
        if (block.Results.Count != block.Transactions.Count)
        {
            return (hash, $"{block.Transactions.Count} transactions but {block.Results.Count} results");
        }
        if (BlockHashing.ResultsRoot(block) != Hash.FromByteString(header.ResultsRoot))
        {
            return (hash, "the results do not match the results root");
        }
        return (hash, extraCheck?.Invoke(block));
    }
}
