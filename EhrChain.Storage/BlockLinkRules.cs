namespace EhrChain.Storage;

/// <summary>The rule every store enforces on append: the next height, linked to the head's hash.</summary>
internal static class BlockLinkRules
{
    public static void CheckExtends(ChainHead? head, BlockCommit commit)
    {
        var expectedHeight = head is { } h ? h.Height + 1 : 0;
        if (commit.Height != expectedHeight)
        {
            throw new StorageException($"Block {commit.Height} does not extend the head: expected height {expectedHeight}.");
        }
        var prev = Core.Crypto.Hash.FromByteString(commit.Block.Header.PrevHash);
        var expectedPrev = head?.Hash ?? Core.Crypto.Hash.Zero;
        if (prev != expectedPrev)
        {
            throw new StorageException($"Block {commit.Height} links to {prev.ToShortString()}, but the head is {expectedPrev.ToShortString()}.");
        }
    }
}
