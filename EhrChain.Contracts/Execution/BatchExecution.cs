using EhrChain.Core.Wire;
using EhrChain.Storage;

namespace EhrChain.Contracts.Execution;

/// <summary>What a batch did: one result per transaction (same order), the state writes of the accepted ones, and their history.</summary>
public sealed record BatchExecution(IReadOnlyList<TxResult> Results, StateWriteSet Writes, IReadOnlyList<HistoryAppend> History);
