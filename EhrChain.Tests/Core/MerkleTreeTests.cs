using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class MerkleTreeTests
{
    private static Hash[] Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => Hash.Compute(BitConverter.GetBytes(i))).ToArray();

    private static Hash Node(Hash left, Hash right) =>
        Hash.Compute([0x01, .. left.ToArray(), .. right.ToArray()]);

    private static Hash Leaf(Hash leaf) => Hash.Compute([0x00, .. leaf.ToArray()]);

    [Test]
    public void The_root_of_no_leaves_is_zero()
    {
        Assert.That(MerkleTree.ComputeRoot([]), Is.EqualTo(Hash.Zero));
    }

    [Test]
    public void The_root_of_one_leaf_is_its_leaf_hash()
    {
        var leaf = Leaves(1)[0];

        Assert.That(MerkleTree.ComputeRoot([leaf]), Is.EqualTo(Leaf(leaf)));
    }

    [Test]
    public void Three_leaves_pair_the_first_two_and_promote_the_third()
    {
        var l = Leaves(3);

        var expected = Node(Node(Leaf(l[0]), Leaf(l[1])), Leaf(l[2]));

        Assert.That(MerkleTree.ComputeRoot(l), Is.EqualTo(expected));
    }

    [Test]
    public void Changing_the_order_of_leaves_changes_the_root()
    {
        var leaves = Leaves(5);
        var swapped = (Hash[])leaves.Clone();
        (swapped[1], swapped[3]) = (swapped[3], swapped[1]);

        Assert.That(MerkleTree.ComputeRoot(swapped), Is.Not.EqualTo(MerkleTree.ComputeRoot(leaves)));
    }

    [Test]
    public void Duplicating_the_last_leaf_changes_the_root()
    {
        // The list [a, b, c] and [a, b, c, c] must not share a root (CVE-2012-2459).
        var three = Leaves(3);
        Hash[] four = [.. three, three[2]];

        Assert.That(MerkleTree.ComputeRoot(four), Is.Not.EqualTo(MerkleTree.ComputeRoot(three)));
    }
}
