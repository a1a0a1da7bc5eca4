using EhrChain.Client;
using EhrChain.Contracts.Membership;
using EhrChain.Core.Chain;
using EhrChain.Core.Genesis;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Storage.Memory;
using Google.Protobuf;

namespace EhrChain.Tests.Contracts.Support;

/// <summary>A <see cref="TestNetwork"/> whose genesis validators' node key files the test holds, so they can vote.</summary>
internal sealed class ValidatorNetwork : IDisposable
{
    private readonly Dictionary<string, KeyFile> _keys = new(StringComparer.Ordinal);

    /// <summary>
    /// <paramref name="validators"/> validators node-0, node-1, ...; a genesis file names only 3f + 1,
    /// so other sizes start from 4 and grow by one approved change that has already taken effect.
    /// </summary>
    public ValidatorNetwork(int validators)
    {
        var admin = KeyFile.Generate("admin", KeyRole.Admin);
        var atGenesis = (validators - 1) % 3 == 0 ? validators : MembershipRules.MinValidators;
        var nodes = Enumerable.Range(0, atGenesis).Select(i => KeyFile.Generate($"node-{i}", KeyRole.Validator)).ToList();
        foreach (var node in nodes)
        {
            _keys[node.Id] = node;
        }
        var genesis = new GenesisFile(TestNetwork.ChainId, TestNetwork.Start,
            nodes.Select((n, i) => new GenesisValidator(n.Id, $"127.0.0.1:{7000 + i}", n.Signing.PublicKey, n.Encryption.PublicKey)).ToList(),
            new GenesisAdmin(admin.Id, "The Admin", admin.Signing.PublicKey, admin.Encryption.PublicKey));
        Net = TestNetwork.On(new MemoryChainStore(), genesis, admin);
        if (atGenesis < validators)
        {
            VotesFrom(MembershipRules.QuorumOf(atGenesis), Adding(Enumerable.Range(atGenesis, validators - atGenesis).Select(i => NewNode($"node-{i}")).ToArray()));
            EmptyBlocksThrough(Membership.EpochEnd);
        }
    }

    public TestNetwork Net { get; }

    public KeyFile NewNode(string id)
    {
        var keys = KeyFile.Generate(id, KeyRole.Validator);
        _keys[id] = keys;
        return keys;
    }

    public static ValidatorInfo InfoOf(KeyFile node, int port = 7100) => new()
    {
        Id = node.Id,
        Address = $"127.0.0.1:{port}",
        SigningPublicKey = ByteString.CopyFrom(node.Signing.PublicKey.Bytes),
        EncryptionPublicKey = ByteString.CopyFrom(node.Encryption.PublicKey.Bytes),
    };

    public static ValidatorChange Adding(params KeyFile[] nodes)
    {
        var change = new ValidatorChange();
        change.Add.AddRange(nodes.Select((n, i) => InfoOf(n, 7100 + i)));
        return change;
    }

    public static ValidatorChange Removing(params string[] ids)
    {
        var change = new ValidatorChange();
        change.Remove.AddRange(ids);
        return change;
    }

    public SignedTransaction VoteBy(string validatorId, ValidatorChange change) =>
        new EhrClient(_keys[validatorId], TestNetwork.ChainId, Net.Clock).VoteValidatorChange(change);

    /// <summary>A transaction signed with a validator's node key (signer id = the validator id).</summary>
    public SignedTransaction SignBy(string validatorId, Action<TransactionPayload> setAction) =>
        new EhrClient(_keys[validatorId], TestNetwork.ChainId, Net.Clock).Sign(setAction);

    public TxResult Vote(string validatorId, ValidatorChange change) => Net.CommitOne(VoteBy(validatorId, change));

    /// <summary>Votes by the first <paramref name="count"/> current validators, each in its own block; returns the last result.</summary>
    public TxResult VotesFrom(int count, ValidatorChange change)
    {
        TxResult last = new();
        foreach (var id in Membership.Validators.Take(count).Select(v => v.Id).ToList())
        {
            last = Vote(id, change);
        }
        return last;
    }

    public ValidatorMembership Membership
    {
        get
        {
            using var view = Net.Store.OpenView();
            return ValidatorMembershipReader.Read(view, Net.Genesis.Validators);
        }
    }

    public IReadOnlyList<PendingValidatorChange> Pending
    {
        get
        {
            using var view = Net.Store.OpenView();
            return ValidatorMembershipReader.Pending(view, Membership.Epoch);
        }
    }

    public ulong Height => Net.Store.Head!.Value.Height;

    /// <summary>Commits empty blocks up to and including <paramref name="height"/>, as the old primary's fill does.</summary>
    public void EmptyBlocksThrough(ulong height)
    {
        while (Height < height)
        {
            Net.Commit();
        }
    }

    public void Dispose() => Net.Dispose();
}
