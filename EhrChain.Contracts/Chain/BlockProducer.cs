using EhrChain.Contracts.Execution;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Chain;

/// <summary>
/// Turns each committed batch into the next block: executes it on the state as of the head, then
/// derives the header (prev hash, tx root, results root, state root) and stores the block with its
/// state writes, history and tx index in one atomic write. Every honest node derives the same bytes.
/// </summary>
public sealed class BlockProducer
{
    private readonly IChainStore _store;
    private readonly EhrExecutor _executor;
    // The state root of the last block this producer stored: the next block chains from it, and
    // reading and parsing the whole previous block only to learn it cost a block decode per batch.
    private (ulong Height, Hash StateRoot)? _lastStored;

    public BlockProducer(IChainStore store, EhrExecutor executor)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _executor = executor ?? throw new ArgumentNullException(nameof(executor));
    }

    /// <summary>Executes the batch and derives the block that extends the head, without storing anything.</summary>
    public BlockCommit Derive(CommittedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(batch.Certificate);
        using var view = _store.OpenView();
        var head = view.Head ?? throw new InvalidOperationException("The chain has no genesis block; store block 0 before executing batches.");
        var previousStateRoot = _lastStored is { } last && last.Height == head.Height
            ? last.StateRoot
            : Hash.FromByteString((_store.GetBlock(head.Height)
                ?? throw new StorageException($"The head block {head.Height} is missing from the store.")).Header.StateRoot);

        if (batch.RequestDigests.Count != batch.Requests.Count)
        {
            throw new ArgumentException("A committed batch carries one digest per request.", nameof(batch));
        }
        var height = head.Height + 1;
        var transactions = new DecodedTransaction[batch.Requests.Count];
        for (var i = 0; i < transactions.Length; i++)
        {
            // The transaction as this node decoded it when it arrived, when consensus kept it; the
            // digest proves it is the same bytes.
            transactions[i] = batch.Prepared?[i] is DecodedTransaction arrived && arrived.Digest == batch.RequestDigests[i]
                ? arrived
                : DecodedTransaction.Decode(batch.Requests[i], batch.RequestDigests[i]);
        }
        var execution = _executor.Execute(
            new RememberingStateReader(view),
            id => _store.FindTransaction(id) is not null,
            transactions,
            new BlockContext(height, batch.TimeUnixMs));

        var block = new Block
        {
            Header = new BlockHeader
            {
                Height = height,
                PrevHash = head.Hash.ToByteString(),
                TimeUnixMs = batch.TimeUnixMs,
                Proposer = batch.Proposer ?? "",
                View = batch.View,
                StateRoot = execution.Writes.NextStateRoot(previousStateRoot).ToByteString(),
            },
            Certificate = batch.Certificate,
        };
        block.Transactions.AddRange(batch.Requests);
        block.Results.AddRange(execution.Results);
        block.Header.TxRoot = BlockHashing.TxRootOfDigests(batch.RequestDigests).ToByteString();
        block.Header.ResultsRoot = BlockHashing.ResultsRoot(block).ToByteString();
        return new BlockCommit(block, execution.Writes, execution.History, transactions);
    }

    /// <summary>Derives the next block from the batch and stores it atomically; returns the stored block.</summary>
    public BlockCommit Produce(CommittedBatch batch)
    {
        var commit = Derive(batch);
        using var pending = _store.Prepare(commit);
        pending.Commit();
        _lastStored = (commit.Height, Hash.FromByteString(commit.Block.Header.StateRoot));
        return commit;
    }
}
