using EhrChain.Core.Crypto;

namespace EhrChain.Tests.Core;

public sealed class MerkleProofTests
{
    private static Hash[] Leaves(int count) =>
        Enumerable.Range(0, count).Select(i => Hash.Compute(BitConverter.GetBytes(i))).ToArray();

    private static IEnumerable<TestCaseData> Sizes() =>
        Enumerable.Range(1, 13).Select(n => new TestCaseData(n).SetArgDisplayNames($"{n} leaves"));

    [TestCaseSource(nameof(Sizes))]
    public void Every_leaf_proves_its_place_under_the_root(int count)
    {
        var leaves = Leaves(count);
        var root = MerkleTree.ComputeRoot(leaves);

        for (var i = 0; i < count; i++)
        {
            var proof = MerkleTree.ComputeProof(leaves, i);
            Assert.That(MerkleTree.VerifyProof(leaves[i], i, count, proof, root), Is.True, $"leaf {i}");
        }
    }

    [TestCaseSource(nameof(Sizes))]
    public void A_leaf_does_not_prove_another_position_or_another_leaf(int count)
    {
        var leaves = Leaves(count);
        var root = MerkleTree.ComputeRoot(leaves);

        for (var i = 0; i < count; i++)
        {
            var proof = MerkleTree.ComputeProof(leaves, i);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(MerkleTree.VerifyProof(Hash.Compute("other"u8), i, count, proof, root), Is.False, $"another leaf at {i}");
                if (count > 1)
                {
                    var elsewhere = (i + 1) % count;
                    Assert.That(MerkleTree.VerifyProof(leaves[i], elsewhere, count, proof, root), Is.False, $"leaf {i} at {elsewhere}");
                }
            }
        }
    }

    [Test]
    public void A_tampered_or_padded_path_fails()
    {
        var leaves = Leaves(6);
        var root = MerkleTree.ComputeRoot(leaves);
        var proof = MerkleTree.ComputeProof(leaves, 4).ToList();
        var tampered = proof.ToList();
        tampered[0] = Hash.Compute("forged"u8);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(MerkleTree.VerifyProof(leaves[4], 4, 6, tampered, root), Is.False);
            Assert.That(MerkleTree.VerifyProof(leaves[4], 4, 6, [.. proof, Hash.Zero], root), Is.False);
            Assert.That(MerkleTree.VerifyProof(leaves[4], 4, 6, proof[..^1], root), Is.False);
            Assert.That(MerkleTree.VerifyProof(leaves[4], -1, 6, proof, root), Is.False);
        }
    }
}
