using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;

using Microsoft.Extensions.DependencyInjection;

namespace EhrChain.Consensus;

/// <summary>
/// What the consensus library registers in a host. The host supplies the seams it orders for:
/// <see cref="IConsensusTransport"/>, <see cref="IConsensusApplication"/>, <see cref="IConsensusStore"/>,
/// <see cref="ConsensusOptions"/> and a <see cref="TimeProvider"/>.
/// </summary>
public static class ConsensusServices
{
    /// <summary>The replica's driver for validator <paramref name="selfId"/>, signing with <paramref name="key"/>, starting from <paramref name="validators"/>.</summary>
    public static IServiceCollection AddEhrChainConsensus(this IServiceCollection services, ValidatorSet validators, string selfId, SigningKeyPair key, long genesisTimeUnixMs)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddSingleton(sp => new ConsensusDriver(new ReplicaSetup(
            validators,
            selfId,
            key,
            sp.GetRequiredService<ConsensusOptions>(),
            sp.GetRequiredService<IConsensusTransport>(),
            sp.GetRequiredService<IConsensusApplication>(),
            sp.GetRequiredService<IConsensusStore>(),
            sp.GetRequiredService<TimeProvider>(),
            genesisTimeUnixMs)));
    }
}
