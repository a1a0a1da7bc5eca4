using EhrChain.Storage;
using EhrChain.Storage.Rocks;
using EhrChain.Tests.Support;
using RocksDbSharp;

namespace EhrChain.Tests.Storage;

[TestFixture]
public sealed class RocksChainStoreTests : ChainStoreTests
{
    private TempDirectory _directory = null!;

    protected override IChainStore OpenStore()
    {
        _directory = new TempDirectory();
        return RocksChainStore.Open(_directory.Path);
    }

    protected override IChainStore Reopen(IChainStore store)
    {
        store.Dispose();
        return RocksChainStore.Open(_directory.Path);
    }

    protected override IChainStore TamperWithStoredBlock(IChainStore store, ulong height, Func<byte[], byte[]> change)
    {
        store.Dispose();
        // Open the database directly, below the store, and rewrite the block's value.
        using (var db = RocksDb.Open(RocksChainStore.CreateOptions(), _directory.Path, RocksChainStore.CreateFamilies()))
        {
            var blocks = db.GetColumnFamily(RocksChainStore.BlocksFamily);
            var key = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(key, height);
            db.Put(key, change(db.Get(key, blocks)), blocks);
        }
        return RocksChainStore.Open(_directory.Path);
    }

    [TearDown]
    public void RemoveDirectory() => _directory.Dispose();

    [Test]
    public void Opening_a_directory_that_is_not_a_database_fails_with_a_clear_error()
    {
        using var directory = new TempDirectory();
        File.WriteAllText(directory.Combine("CURRENT"), "garbage");

        Assert.That(() => RocksChainStore.Open(directory.Path), Throws.TypeOf<StorageException>().With.Message.Contains("Cannot open the chain store"));
    }
}
