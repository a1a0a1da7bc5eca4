using EhrChain.Core.Wire;

namespace EhrChain.Client;

/// <summary>
/// A transaction that creates or rotates a record's data key, with the key ring as it will be once
/// the transaction is accepted. Keep the old ring until the receipt says OK.
/// </summary>
public sealed record KeyedTransaction(SignedTransaction Transaction, RecordKeyRing Keys);
