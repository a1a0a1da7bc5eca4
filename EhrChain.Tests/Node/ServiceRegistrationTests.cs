using EhrChain.Contracts;
using EhrChain.Contracts.Chain;
using EhrChain.Storage;
using EhrChain.Tests.Contracts.Support;
using EhrChain.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace EhrChain.Tests.Node;

/// <summary>The libraries' registrations compose on their own, without the node host (as another host would take them).</summary>
public sealed class ServiceRegistrationTests
{
    [Test]
    public void Storage_and_contracts_registered_together_give_a_producer_on_a_store_that_holds_block_0()
    {
        using var directory = new TempDirectory();
        var (genesis, _) = TestNetwork.NewGenesis();
        using var provider = new ServiceCollection()
            .AddEhrChainStorage(Path.Combine(directory.Path, "data"), ContractServices.GenesisInitialiser(genesis))
            .AddEhrChainContracts(genesis)
            .BuildServiceProvider();

        var store = provider.GetRequiredService<IChainStore>();
        var producer = provider.GetRequiredService<BlockProducer>();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(store.Head?.Height, Is.Zero);
            Assert.That(store.Head?.Hash, Is.EqualTo(GenesisBlock.Build(genesis).Hash));
            Assert.That(producer, Is.SameAs(provider.GetRequiredService<BlockProducer>()), "one producer per host");
        }
    }

    [Test]
    public void A_store_of_another_network_is_refused_when_first_asked_for_and_left_closed()
    {
        using var directory = new TempDirectory();
        var data = Path.Combine(directory.Path, "data");
        var (first, _) = TestNetwork.NewGenesis();
        using (var provider = new ServiceCollection().AddEhrChainStorage(data, ContractServices.GenesisInitialiser(first)).BuildServiceProvider())
        {
            provider.GetRequiredService<IChainStore>();
        }
        var (second, _) = TestNetwork.NewGenesis();
        using var other = new ServiceCollection().AddEhrChainStorage(data, ContractServices.GenesisInitialiser(second)).BuildServiceProvider();

        Assert.That(() => other.GetRequiredService<IChainStore>(), Throws.Exception);
        // Closed after the refusal: the directory opens again.
        using var again = new ServiceCollection().AddEhrChainStorage(data, ContractServices.GenesisInitialiser(first)).BuildServiceProvider();
        Assert.That(again.GetRequiredService<IChainStore>().Head?.Height, Is.Zero);
    }
}
