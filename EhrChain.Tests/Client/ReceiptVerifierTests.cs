using EhrChain.Client;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Storage.Memory;
using EhrChain.Tests.Contracts.Support;
using Google.Protobuf;

namespace EhrChain.Tests.Client;

/// <summary>
/// Receipts of a real block (real store, real executor) certified by real validator signatures,
/// checked the way `query tx` checks them: against the genesis validators only.
/// </summary>
public sealed class ReceiptVerifierTests
{
    private SigningKeyPair[] _validatorKeys = null!;
    private ValidatorSet _validators = null!;
    private TestNetwork _net = null!;
    private Block _block = null!;
    private Hash _txId;

    [SetUp]
    public void SetUp()
    {
        _validatorKeys = Enumerable.Range(0, 4).Select(_ => SigningKeyPair.Generate()).ToArray();
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var genesis = new GenesisFile(TestNetwork.ChainId, TestNetwork.Start,
            _validatorKeys.Select((k, i) => new GenesisValidator($"node-{i}", $"127.0.0.1:{7000 + i}", k.PublicKey, EncryptionKeyPair.Generate().PublicKey)).ToList(),
            new GenesisAdmin(admin.Id, "The Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        _validators = ValidatorSet.FromGenesis(genesis);
        _net = TestNetwork.On(new MemoryChainStore(), genesis, admin);
        var patients = Enumerable.Range(0, 5).Select(i => _net.Stranger($"pat-{i}")).ToList();
        var transactions = patients.Select(p => _net.Admin.Client.AddParticipant(p.Keys, Profiles.For(KeyRole.Patient, p.Id))).ToArray();
        var block = _net.Commit(transactions);
        _block = block.Clone();
        _block.Certificate = Certify(_block, 0, 1, 2);
        _txId = TransactionIds.OfSignedTransaction(transactions[3].ToByteArray());
    }

    [TearDown]
    public void TearDown() => _net.Dispose();

    /// <summary>A commit certificate as consensus builds it: the named validators' COMMIT signatures over (view, height, batch digest).</summary>
    private CommitCertificate Certify(Block block, params int[] signers)
    {
        var digest = ConsensusHashing.BatchDigest(block.Header.TimeUnixMs, block.Transactions);
        var signed = ConsensusHashing.CommitBytes(block.Header.View, block.Header.Height, digest);
        return CommitCertificates.Build(block.Header.View, block.Header.Height, digest,
            signers.Select(i => ($"node-{i}", ByteString.CopyFrom(_validatorKeys[i].Sign(SigningDomain.ConsensusMessage, signed)))));
    }

    private TransactionReceipt Receipt()
    {
        var location = _net.Store.FindTransaction(_txId)!;
        // A deep copy: the receipt shares the block's header and certificate, which the tests tamper with.
        return TransactionReceipts.Of(_txId, location, _block)!.Clone();
    }

    [Test]
    public void A_receipt_of_a_certified_block_verifies()
    {
        Assert.That(ReceiptVerifier.Check(Receipt(), _validators), Is.Null);
    }

    [Test]
    public void A_receipt_claiming_another_position_fails()
    {
        var receipt = Receipt();
        receipt.Position = receipt.Position == 0 ? 1u : 0u;

        Assert.That(ReceiptVerifier.Check(receipt, _validators), Does.Contain("position"));
    }

    [Test]
    public void A_receipt_with_another_header_fails()
    {
        var changedRoot = Receipt();
        changedRoot.Header.StateRoot = Hash.Compute("another state"u8).ToByteString();
        var otherHeight = Receipt();
        otherHeight.Header.Height += 1;
        otherHeight.Height += 1;
        otherHeight.BlockHash = BlockHashing.HeaderHash(otherHeight.Header).ToString();
        var movedInTime = Receipt();
        movedInTime.Header.TimeUnixMs += 1;
        movedInTime.BlockTimeUnixMs += 1;
        movedInTime.BlockHash = BlockHashing.HeaderHash(movedInTime.Header).ToString();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReceiptVerifier.Check(changedRoot, _validators), Does.Contain("block hash"));
            // Consistent headers the validators never certified: the certificate covers height, view and time.
            Assert.That(ReceiptVerifier.Check(otherHeight, _validators), Does.Contain("certificate"));
            Assert.That(ReceiptVerifier.Check(movedInTime, _validators), Does.Contain("certificate"));
        }
    }

    [Test]
    public void A_receipt_with_a_forged_or_short_certificate_fails()
    {
        var stranger = SigningKeyPair.Generate();
        var forged = Receipt();
        forged.Certificate.Commits[0].Signature = ByteString.CopyFrom(stranger.Sign(SigningDomain.ConsensusMessage,
            ConsensusHashing.CommitBytes(forged.Header.View, forged.Header.Height, new Hash(forged.Certificate.BatchDigest.Span))));
        var short_ = Receipt();
        short_.Certificate.Commits.RemoveAt(0);
        var otherView = Receipt();
        otherView.Certificate.View += 1;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReceiptVerifier.Check(forged, _validators), Does.Contain("bad commit signature"));
            Assert.That(ReceiptVerifier.Check(short_, _validators), Does.Contain("quorum"));
            Assert.That(ReceiptVerifier.Check(otherView, _validators), Does.Contain("view"));
        }
    }

    [Test]
    public void A_receipt_with_another_result_or_other_digests_fails()
    {
        var otherResult = Receipt();
        otherResult.Result = new TxResult { Code = TxResultCode.AccessDenied, Reason = "made up" };
        var otherDigest = Receipt();
        otherDigest.TxDigests[0] = Hash.Compute("another transaction"u8).ToByteString();
        var otherTransaction = Receipt();
        otherTransaction.Transaction = _block.Transactions[0];

        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReceiptVerifier.Check(otherResult, _validators), Does.Contain("result"));
            Assert.That(ReceiptVerifier.Check(otherDigest, _validators), Does.Contain("tx root"));
            Assert.That(ReceiptVerifier.Check(otherTransaction, _validators), Does.Contain("tx id"));
        }
    }
}
