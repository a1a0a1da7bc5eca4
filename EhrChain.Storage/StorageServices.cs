using EhrChain.Storage.Rocks;
using Microsoft.Extensions.DependencyInjection;

namespace EhrChain.Storage;

/// <summary>What the storage library registers in a host.</summary>
public static class StorageServices
{
    /// <summary>
    /// The chain store: RocksDB in <paramref name="dataDirectory"/>, opened when first asked for and
    /// disposed with the container. A snapshot install a crash cut short is discarded (its old
    /// chain went when it began), then <paramref name="initialise"/> runs (block 0, by the contracts).
    /// </summary>
    public static IServiceCollection AddEhrChainStorage(this IServiceCollection services, string dataDirectory, Action<IChainStore>? initialise = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        return services.AddSingleton<IChainStore>(_ =>
        {
            var store = RocksChainStore.Open(dataDirectory);
            try
            {
                if (store.ImportInProgress)
                {
                    store.DiscardImport();
                }
                initialise?.Invoke(store);
                return store;
            }
            catch
            {
                store.Dispose();
                throw;
            }
        });
    }
}
