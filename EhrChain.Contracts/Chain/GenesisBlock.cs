using EhrChain.Contracts.State;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Storage;
using Google.Protobuf;

namespace EhrChain.Contracts.Chain;

/// <summary>
/// Block 0: no transactions, the first Admin enrolled, and a state root chained onto the genesis
/// file's hash, so two networks with different genesis files never share a block 0. The Admin is
/// enrolled without a profile: the genesis file's name stays off the chain, and the Admin seals a
/// profile of their own with their first UpdateParticipant. A genesis file with emergency trustees
/// also writes the network's break-glass settings, the only way they ever enter the state.
/// </summary>
public static class GenesisBlock
{
    /// <summary>The id recorded as the enroller of the genesis Admin.</summary>
    public const string Enroller = "genesis";

    public static BlockCommit Build(GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(genesis);
        var time = genesis.CreatedAt.ToUnixTimeMilliseconds();
        var admin = genesis.Admin;
        var writes = new StateWriteSet();
        writes.Put(StateKeys.Participant(admin.Id), new Participant
        {
            Id = admin.Id,
            Role = ParticipantRole.Admin,
            SigningPublicKey = ByteString.CopyFrom(admin.SigningKey.Bytes),
            EncryptionPublicKey = ByteString.CopyFrom(admin.EncryptionKey.Bytes),
            Status = ParticipantStatus.Active,
            EnrolledUnixMs = time,
            EnrolledBy = Enroller,
        }.ToByteArray());
        if (genesis.Emergency is { } emergency)
        {
            writes.Put(StateKeys.EmergencyConfig(), EmergencyConfigOf(emergency).ToByteArray());
        }
        var history = new HistoryAppend(StateKeys.ParticipantHistory(admin.Id), 0, new Change
        {
            Kind = ChangeKind.ParticipantEnrolled,
            SubjectId = admin.Id,
            AuthorId = Enroller,
            TimeUnixMs = time,
        }.ToByteArray());

        var block = new Block
        {
            Header = new BlockHeader
            {
                Height = 0,
                PrevHash = Hash.Zero.ToByteString(),
                TxRoot = Hash.Zero.ToByteString(),
                ResultsRoot = Hash.Zero.ToByteString(),
                StateRoot = writes.NextStateRoot(genesis.Hash).ToByteString(),
                TimeUnixMs = time,
                Proposer = "",
                View = 0,
            },
        };
        return new BlockCommit(block, writes, [history]);
    }

    /// <summary>The break-glass settings as the executor reads them from state; only block 0 writes them.</summary>
    public static EmergencyConfig EmergencyConfigOf(GenesisEmergency emergency)
    {
        ArgumentNullException.ThrowIfNull(emergency);
        var config = new EmergencyConfig
        {
            Threshold = (uint)emergency.Threshold,
            DefaultDurationMs = (long)emergency.DefaultDuration.TotalMilliseconds,
            MaxDurationMs = (long)emergency.MaxDuration.TotalMilliseconds,
            ReviewWindowMs = (long)emergency.ReviewWindow.TotalMilliseconds,
        };
        config.Trustees.AddRange(emergency.Trustees.Select(t => new EmergencyTrustee
        {
            Id = t.Id,
            SigningPublicKey = ByteString.CopyFrom(t.SigningKey.Bytes),
            EncryptionPublicKey = ByteString.CopyFrom(t.EncryptionKey.Bytes),
        }));
        return config;
    }

    /// <summary>
    /// Stores block 0 in an empty store; on a store that already has a chain, checks that its
    /// block 0 is this genesis file's, and throws otherwise.
    /// </summary>
    public static void Initialise(IChainStore store, GenesisFile genesis)
    {
        ArgumentNullException.ThrowIfNull(store);
        var commit = Build(genesis);
        if (store.Head is null)
        {
            using var pending = store.Prepare(commit);
            pending.Commit();
            return;
        }
        var stored = store.GetBlock(0);
        if (stored?.Header is null || Core.Chain.BlockHashing.HeaderHash(stored.Header) != commit.Hash)
        {
            throw new StorageException("The store holds a chain from another genesis file.");
        }
    }
}
