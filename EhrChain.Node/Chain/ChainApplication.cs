using EhrChain.Consensus;
using EhrChain.Contracts.Chain;
using EhrChain.Contracts.Execution;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Errors;
using EhrChain.Node.Events;
using EhrChain.Node.Metrics;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Node.Chain;

/// <summary>
/// What consensus orders for: each committed batch becomes the next block through the contract
/// engine, stored in one atomic write, then announced. Serves stored blocks back as committed
/// batches for peers that are catching up.
/// </summary>
public sealed partial class ChainApplication : IConsensusApplication
{
    private readonly IChainStore _store;
    private readonly BlockProducer _producer;
    private readonly ChainEvents _events;
    private readonly NodeMetrics _metrics;
    private readonly AdmissionClock _admissions;
    private readonly string _chainId;
    private readonly IReadOnlyList<GenesisValidator> _genesisValidators;
    private readonly int _maxRequestBytes;
    private readonly Lock _headLock = new();
    private ExecutedHead _head;

    public ChainApplication(IChainStore store, BlockProducer producer, GenesisFile genesis, ChainEvents events, NodeMetrics metrics, AdmissionClock admissions, int maxRequestBytes)
    {
        _store = store;
        _producer = producer;
        _events = events;
        _metrics = metrics;
        _admissions = admissions;
        _chainId = genesis.ChainId;
        _genesisValidators = genesis.Validators;
        _maxRequestBytes = maxRequestBytes;
        var head = store.Head ?? throw new InvalidOperationException("Store block 0 before starting consensus.");
        var block = store.GetBlock(head.Height)!;
        _head = new ExecutedHead(head.Height, block.Header.TimeUnixMs, Hash.FromByteString(block.Header.StateRoot));
        _metrics.Height.Set(head.Height);
    }

    public ExecutedHead LastExecuted
    {
        get { lock (_headLock) { return _head; } }
    }

    /// <summary>
    /// Stateless checks only (<see cref="TransactionRules.WellFormed"/>): replicas at different
    /// heights must agree on a request's validity, so the signer's key (which lives in state) is
    /// checked at admission and at execution.
    /// </summary>
    public string? ValidateRequest(ByteString request) => ValidateAndPrepare(request, null).Problem;

    /// <summary>The check, with the transaction decoded once (with the digest consensus computed) for execution to take back.</summary>
    public (string? Problem, object? Prepared) ValidateAndPrepare(ByteString request, Hash digest) => ValidateAndPrepare(request, (Hash?)digest);

    private (string? Problem, object? Prepared) ValidateAndPrepare(ByteString request, Hash? digest)
    {
        if (request.Length > _maxRequestBytes)
        {
            return ($"the request is {request.Length} bytes; the limit is {_maxRequestBytes}", null);
        }
        var decoded = digest is { } known ? DecodedTransaction.Decode(request, known) : DecodedTransaction.Decode(request);
        return TransactionRules.WellFormed(decoded, _chainId) is { } refused ? (refused.Reason, null) : (null, decoded);
    }

    public Hash Execute(CommittedBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var commit = _producer.Produce(batch);
        var block = commit.Block;
        var stateRoot = Hash.FromByteString(block.Header.StateRoot);
        lock (_headLock)
        {
            _head = new ExecutedHead(commit.Height, block.Header.TimeUnixMs, stateRoot);
        }

        _metrics.Height.Set(commit.Height);
        if (block.Transactions.Count > 0)
        {
            _metrics.BatchSize.Observe(block.Transactions.Count);
        }
        foreach (var result in block.Results)
        {
            if (result.Code == TxResultCode.Ok)
            {
                _metrics.Committed.Inc();
            }
            else
            {
                _metrics.Rejected.WithLabels("execution", ApiErrors.ForResult(result.Code).Reason).Inc();
            }
        }
        _admissions.Committed(commit.TxIds, _metrics.CommitLatency);
        _events.Published(commit);
        return stateRoot;
    }

    public IReadOnlyList<CommittedBatch> ReadCommitted(ulong fromSequence, int maxCount)
    {
        var batches = new List<CommittedBatch>();
        var head = _store.Head?.Height ?? 0;
        var bytes = 0L;
        // Stop at a quarter of the peer message limit: the rest follows in the next fetch.
        for (var height = Math.Max(fromSequence, 1); height <= head && batches.Count < maxCount && bytes < Peers.PeerLimits.MaxMessageBytes / 4; height++)
        {
            if (_store.GetBlock(height) is not { } block)
            {
                break;
            }
            bytes += block.CalculateSize();
            batches.Add(new CommittedBatch(height, block.Header.View, block.Header.Proposer, block.Header.TimeUnixMs, block.Transactions, block.Certificate));
        }
        return batches;
    }
}
