using EhrChain.Client;
using EhrChain.Core.Chain;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;

namespace EhrChain.Bench;

/// <summary>A transaction ready to send: its place in the run's order, the request and its id.</summary>
internal sealed record PresignedTx(long Index, SubmitRequest Request, string TxId);

/// <summary>
/// Every transaction of the run, built, encrypted and signed before the timed window so the load
/// generator spends the window sending, not signing. Each client gets its own queue in the run's
/// order. The transactions of one grant record form a chain (grant, revoke, grant...) that must
/// commit in order, so all of them go to one client, which sends them to one node in order.
/// </summary>
internal sealed class PresignedLoad
{
    private static readonly EntryKind[] ClinicalKinds =
        [EntryKind.Consultation, EntryKind.Diagnosis, EntryKind.Medication, EntryKind.Allergy, EntryKind.Note];

    private PresignedLoad(IReadOnlyList<IReadOnlyList<PresignedTx>> perClient, long total)
    {
        PerClient = perClient;
        Total = total;
    }

    public IReadOnlyList<IReadOnlyList<PresignedTx>> PerClient { get; }
    public long Total { get; }

    /// <summary>How many of <paramref name="total"/> transactions belong to the grant stream for a mix.</summary>
    public static long GrantShare(BenchMix mix, long total) => mix switch
    {
        BenchMix.Append => 0,
        BenchMix.Grant => total,
        // One in four: access changes are rarer than clinical writes.
        _ => total / 4,
    };

    /// <summary>How many grant records keep each record's chain short: every revocation adds an epoch that later grants must seal.</summary>
    public static int GrantRecordsFor(long grantTransactions) =>
        grantTransactions == 0 ? 0 : (int)Math.Clamp(grantTransactions / 8, 64, 4000);

    /// <summary>Which stream position <paramref name="index"/> of the run takes: true for the grant stream.</summary>
    public static bool IsGrantSlot(BenchMix mix, long index) => mix switch
    {
        BenchMix.Append => false,
        BenchMix.Grant => true,
        _ => index % 4 == 3,
    };

    public static PresignedLoad Build(BenchPopulation population, BenchMix mix, long total, int clients, int payload)
    {
        ArgumentNullException.ThrowIfNull(population);
        var grantCount = GrantShare(mix, total);
        var appendCount = total - grantCount;
        var appends = SignAppends(population.AppendRecords, appendCount, payload);
        var grants = SignGrantChains(population.GrantRecords, grantCount);

        var queues = Enumerable.Range(0, clients).Select(_ => new List<PresignedTx>()).ToArray();
        long nextAppend = 0, nextGrant = 0;
        for (long index = 0; index < total; index++)
        {
            if (IsGrantSlot(mix, index))
            {
                var (record, tx) = grants[nextGrant++];
                queues[record % clients].Add(Presigned(index, tx));
            }
            else
            {
                queues[index % clients].Add(Presigned(index, appends[nextAppend++]));
            }
        }
        return new PresignedLoad(queues, total);
    }

    private static PresignedTx Presigned(long index, SignedTransaction tx) =>
        new(index, new SubmitRequest { Transaction = tx }, TransactionIds.OfPayload(tx.Payload.Span).ToString());

    /// <summary>Appends of one entry of <paramref name="payload"/> random bytes, round robin over records, alternating owner and doctor.</summary>
    private static SignedTransaction[] SignAppends(IReadOnlyList<BenchRecord> records, long count, int payload)
    {
        var signed = new SignedTransaction[count];
        if (count == 0)
        {
            return signed;
        }
        if (records.Count == 0)
        {
            throw new InvalidOperationException("Appends need records.");
        }
        Parallel.For(0L, count, i =>
        {
            var record = records[(int)(i % records.Count)];
            var content = new byte[payload];
            Random.Shared.NextBytes(content);
            var author = (i / records.Count) % 2 == 0 ? record.Owner : record.Provider;
            signed[i] = author.AppendEntries(record.Keys, [new PlainEntry(ClinicalKinds[i % ClinicalKinds.Length], content)]);
        });
        return signed;
    }

    /// <summary>
    /// Per grant record, in order: grant, revoke (rotating the key to the owner alone), grant
    /// again with every epoch sealed, and so on. The stream visits records round robin, so
    /// consecutive steps of one record are a whole round of records apart.
    /// </summary>
    private static (int Record, SignedTransaction Tx)[] SignGrantChains(IReadOnlyList<BenchRecord> records, long count)
    {
        var stream = new (int, SignedTransaction)[count];
        if (count == 0)
        {
            return stream;
        }
        if (records.Count == 0)
        {
            throw new InvalidOperationException("Grants need records.");
        }
        Parallel.For(0, records.Count, r =>
        {
            var record = records[r];
            var keys = record.Keys;
            var step = 0;
            for (long i = r; i < count; i += records.Count, step++)
            {
                SignedTransaction tx;
                if (step % 2 == 0)
                {
                    tx = record.ProviderIsLab
                        ? record.Owner.GrantAccessToLab(keys, record.ProviderHolder)
                        : record.Owner.GrantAccess(keys, record.ProviderHolder, Permission.Read);
                }
                else
                {
                    var revoke = record.ProviderIsLab
                        ? record.Owner.RevokeAccessFromLab(keys, record.ProviderHolder.Id, [])
                        : record.Owner.RevokeAccess(keys, record.ProviderHolder.Id, []);
                    keys = revoke.Keys;
                    tx = revoke.Transaction;
                }
                stream[i] = (r, tx);
            }
        });
        return stream;
    }
}
