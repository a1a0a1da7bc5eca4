using EhrChain.Contracts.Chain;
using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using EhrChain.Storage.Memory;
using EhrChain.Tests.Contracts.Support;

namespace EhrChain.Tests.Contracts;

public sealed class GenesisTests
{
    [Test]
    public void Genesis_block_enrols_the_first_admin_and_nothing_else()
    {
        var (genesis, admin) = TestNetwork.NewGenesis();

        var commit = GenesisBlock.Build(genesis);

        var participant = Participant.Parser.ParseFrom(commit.State.Writes.Single().Value);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(commit.Height, Is.Zero);
            Assert.That(commit.Block.Header.PrevHash, Is.EqualTo(Hash.Zero.ToByteString()));
            Assert.That(commit.Block.Transactions, Is.Empty);
            Assert.That(commit.Block.Certificate, Is.Null);
            Assert.That(participant.Id, Is.EqualTo(admin.Id));
            Assert.That(participant.Role, Is.EqualTo(ParticipantRole.Admin));
            Assert.That(participant.SigningPublicKey.ToByteArray(), Is.EqualTo(admin.Signing.PublicKey.ToArray()));
        }
    }

    [Test]
    public void Genesis_state_root_binds_the_genesis_file()
    {
        var (genesis, _) = TestNetwork.NewGenesis();
        var commit = GenesisBlock.Build(genesis);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(commit.Block.Header.StateRoot, Is.EqualTo(commit.State.NextStateRoot(genesis.Hash).ToByteString()));
            Assert.That(GenesisBlock.Build(genesis).Hash, Is.EqualTo(commit.Hash), "same genesis file, same block 0");
            Assert.That(GenesisBlock.Build(TestNetwork.NewGenesis().Genesis).Hash, Is.Not.EqualTo(commit.Hash));
        }
    }

    [Test]
    public void Initialise_accepts_its_own_chain_again_and_refuses_another()
    {
        var (genesis, _) = TestNetwork.NewGenesis();
        using var store = new MemoryChainStore();
        GenesisBlock.Initialise(store, genesis);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => GenesisBlock.Initialise(store, genesis), Throws.Nothing);
            Assert.That(() => GenesisBlock.Initialise(store, TestNetwork.NewGenesis().Genesis), Throws.TypeOf<StorageException>());
            Assert.That(new EhrState(store).Participant("admin")!.Status, Is.EqualTo(ParticipantStatus.Active));
        }
    }
}
