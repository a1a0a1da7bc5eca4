using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Execution;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Storage;

using Microsoft.Extensions.DependencyInjection;

namespace EhrChain.Contracts;

/// <summary>What the contract engine registers in a host; it needs an <see cref="IChainStore"/> registered beside it.</summary>
public static class ContractServices
{
    /// <summary>The executor for <paramref name="genesis"/>'s chain and the producer that turns each committed batch into the next block.</summary>
    public static IServiceCollection AddEhrChainContracts(this IServiceCollection services, GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(genesis);
        // Admission records each signature it verifies; execution consumes the record instead of verifying again.
        services.AddSingleton(new VerifiedSignatures());
        services.AddSingleton(sp => new EhrExecutor(genesis.ChainId, genesis.Validators, sp.GetRequiredService<VerifiedSignatures>()));
        services.AddSingleton(sp => new BlockProducer(sp.GetRequiredService<IChainStore>(), sp.GetRequiredService<EhrExecutor>()));
        return services;
    }

    /// <summary>Writes block 0 of <paramref name="genesis"/> into a new store, and checks an existing one holds it: the storage library's initialiser.</summary>
    public static Action<IChainStore> GenesisInitialiser(GenesisFile genesis) => store => GenesisBlock.Initialise(store, genesis);
}
