using EhrChain.Core.Crypto;
using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Execution;

/// <summary>What a batch did: one result per transaction (same order), the state writes of the accepted ones, their history, and every transaction's id.</summary>
public sealed record BatchExecution(IReadOnlyList<TxResult> Results, StateWriteSet Writes, IReadOnlyList<HistoryAppend> History, IReadOnlyList<Hash> TxIds);
