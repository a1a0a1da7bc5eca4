using EhrChain.Storage;
using EhrChain.Storage.Memory;

namespace EhrChain.Tests.Storage;

[TestFixture]
public sealed class MemoryChainStoreTests : ChainStoreTests
{
    protected override IChainStore OpenStore() => new MemoryChainStore();

    // Memory does not outlive the process, so "reopening" keeps the same instance.
    protected override IChainStore Reopen(IChainStore store) => store;

    protected override IChainStore TamperWithStoredBlock(IChainStore store, ulong height, Func<byte[], byte[]> change)
    {
        ((MemoryChainStore)store).OverwriteStoredBlock(height, change);
        return store;
    }
}
