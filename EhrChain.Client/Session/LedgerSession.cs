using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using Grpc.Core;
using Grpc.Net.Client;

namespace EhrChain.Client.Session;

/// <summary>
/// One participant talking to one node: signs with the participant's key file, submits and reads
/// through the public gRPC API, and fetches what the client library needs (record key rings,
/// grantees' public keys) with signed reads. The CLI commands, the demo, the benchmark and the
/// tests share it; a .NET service can use it alone.
/// </summary>
public sealed class LedgerSession : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly TimeSpan _timeout;

    private LedgerSession(GrpcChannel channel, Ledger.LedgerClient ledger, EhrClient client, KeyFile keys, NodeStatus status, TimeSpan timeout)
    {
        _channel = channel;
        Ledger = ledger;
        Client = client;
        Keys = keys;
        Status = status;
        _timeout = timeout;
    }

    /// <summary>
    /// The highest block this session (and any session sharing the token) has seen committed. Sent
    /// with every call, so a node that is behind catches up before it judges or answers: a write
    /// made through one node is then visible through every other.
    /// </summary>
    public ConsistencyToken Token { get; init; } = new();

    public Ledger.LedgerClient Ledger { get; }
    public EhrClient Client { get; }
    public KeyFile Keys { get; }
    public NodeStatus Status { get; }
    public string Id => Keys.Id;

    /// <summary>
    /// Connects to <paramref name="node"/> and learns its chain id, which every signed message
    /// names; the emergency trustees come from <paramref name="genesisPath"/> (or <see cref="NetworkEscrow"/>'s defaults).
    /// </summary>
    public static async Task<LedgerSession> OpenAsync(NodeTarget node, KeyFile keys, TimeSpan timeout, ConsistencyToken? token, CancellationToken cancellationToken, string? genesisPath = null)
    {
        var channel = NodeChannels.Open(node);
        var ledger = new Ledger.LedgerClient(channel);
        try
        {
            var status = await ledger.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.Add(timeout), cancellationToken: cancellationToken).ConfigureAwait(false);
            var client = new EhrClient(keys, status.ChainId, TimeProvider.System, escrow: NetworkEscrow.For(status, genesisPath ?? node.GenesisFile));
            return new LedgerSession(channel, ledger, client, keys, status, timeout) { Token = token ?? new ConsistencyToken() };
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    private DateTime Deadline => DateTime.UtcNow.Add(_timeout);

    private Metadata? Headers => Token.Height is 0 ? null : new Metadata { { ConsistencyToken.Header, Token.Height.ToString(System.Globalization.CultureInfo.InvariantCulture) } };

    /// <summary>Submits; with <paramref name="wait"/>, returns the receipt once committed (a rejection throws its status).</summary>
    public async Task<SubmitResponse> SubmitAsync(SignedTransaction transaction, bool wait, CancellationToken cancellationToken)
    {
        try
        {
            var response = await Ledger.SubmitAsync(new SubmitRequest { Transaction = transaction, Wait = wait }, Headers, Deadline, cancellationToken).ConfigureAwait(false);
            if (response.Receipt is { } receipt)
            {
                Token.Saw(receipt.Height);
            }
            return response;
        }
        catch (RpcException e) when (e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Metadata.TryGetValue("height", out var height) == true)
        {
            // A refusal at execution is in a block too: later calls must see that block.
            Token.Saw(ulong.Parse(height!, System.Globalization.CultureInfo.InvariantCulture));
            throw;
        }
    }

    public async Task<ParticipantProfile> ParticipantAsync(string participantId, CancellationToken cancellationToken) =>
        await Ledger.GetParticipantAsync(Client.Read(new ReadQuery { GetParticipant = new GetParticipantQuery { ParticipantId = participantId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<RecordView> RecordAsync(string recordId, CancellationToken cancellationToken) =>
        await Ledger.GetRecordAsync(Client.Read(new ReadQuery { GetRecord = new GetRecordQuery { RecordId = recordId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<RecordList> RecordsAsync(string patientId, CancellationToken cancellationToken) =>
        await Ledger.ListRecordsAsync(Client.Read(new ReadQuery { ListPatientRecords = new ListPatientRecordsQuery { PatientId = patientId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<RecordHistory> HistoryAsync(string recordId, CancellationToken cancellationToken) =>
        await Ledger.GetHistoryAsync(Client.Read(new ReadQuery { GetRecordHistory = new GetRecordHistoryQuery { RecordId = recordId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<GrantList> GrantsAsync(string recordId, CancellationToken cancellationToken) =>
        await Ledger.ListGrantsAsync(Client.Read(new ReadQuery { ListRecordGrants = new ListRecordGrantsQuery { RecordId = recordId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<PrescriptionList> PrescriptionsAsync(CancellationToken cancellationToken) =>
        await Ledger.ListPrescriptionsAsync(Client.Read(new ReadQuery { ListSharedPrescriptions = new ListSharedPrescriptionsQuery() }), Headers, Deadline, cancellationToken).ConfigureAwait(false);
    public async Task<EmergencyList> EmergenciesAsync(ListEmergenciesQuery query, CancellationToken cancellationToken) =>
        await Ledger.ListEmergenciesAsync(Client.Read(new ReadQuery { ListEmergencies = query }), Headers, Deadline, cancellationToken).ConfigureAwait(false);
    public async Task<AccessLog> AccessLogAsync(string recordId, CancellationToken cancellationToken) =>
        await Ledger.GetAccessLogAsync(Client.Read(new ReadQuery { GetAccessLog = new GetAccessLogQuery { RecordId = recordId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    public async Task<PatientList> PatientsAsync(string providerId, CancellationToken cancellationToken) =>
        await Ledger.ListPatientsAsync(Client.Read(new ReadQuery { ListProviderPatients = new ListProviderPatientsQuery { ProviderId = providerId } }), Headers, Deadline, cancellationToken).ConfigureAwait(false);

    /// <summary>A receipt, asked for with a read request signed for exactly this transaction.</summary>
    public async Task<TransactionReceipt> TransactionAsync(string txId, CancellationToken cancellationToken) =>
        await Ledger.GetTransactionAsync(new GetTransactionRequest
        {
            TxId = txId,
            Auth = Client.Read(new ReadQuery { GetTransaction = new GetTransactionQuery { TxId = txId } }),
        }, Headers, Deadline, cancellationToken).ConfigureAwait(false);

    /// <summary>A block by height, or by hash when <paramref name="height"/> is null: whole for an auditor or a validator, otherwise what this participant may see.</summary>
    public async Task<BlockResponse> BlockAsync(ulong? height, string? hash, CancellationToken cancellationToken)
    {
        var query = height is { } h ? new GetBlockQuery { Height = h } : new GetBlockQuery { Hash = hash ?? "" };
        var request = height is { } at ? new GetBlockRequest { Height = at } : new GetBlockRequest { Hash = hash ?? "" };
        request.Auth = Client.Read(new ReadQuery { GetBlock = query });
        return await Ledger.GetBlockAsync(request, Headers, Deadline, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The record's data keys this participant can open (every epoch sealed to them).</summary>
    public async Task<RecordKeyRing> RecordKeysAsync(string recordId, CancellationToken cancellationToken) =>
        Client.OpenKeys(await RecordAsync(recordId, cancellationToken).ConfigureAwait(false));

    /// <summary>
    /// The record's keys as a break-glass doctor holds them: the shares k trustees released for
    /// this signer's open emergency on the record, combined; null when there is none or too few released.
    /// </summary>
    public async Task<RecordKeyRing?> EmergencyKeysAsync(string recordId, CancellationToken cancellationToken)
    {
        if (Keys.Role != KeyRole.Doctor)
        {
            return null;
        }
        var list = await EmergenciesAsync(new ListEmergenciesQuery { DoctorId = Id }, cancellationToken).ConfigureAwait(false);
        return list.Emergencies
            .Where(e => e.Open && e.Emergency.RecordId == recordId)
            .Select(e => EmergencyKeys.Combine(Keys, e, list.Threshold))
            .FirstOrDefault(k => k is not null);
    }

    /// <summary>Whom to seal a record key to: the participant's id and X25519 key from their public profile.</summary>
    public async Task<KeyHolder> KeyHolderAsync(string participantId, CancellationToken cancellationToken)
    {
        var profile = await ParticipantAsync(participantId, cancellationToken).ConfigureAwait(false);
        return new KeyHolder(profile.Id, EncryptionPublicKey.FromBytes(profile.EncryptionPublicKey.Span));
    }

    /// <summary>Grantees whose grant is live (not revoked, not expired), except <paramref name="leaving"/>: who keeps reading after a revocation.</summary>
    public async Task<IReadOnlyList<KeyHolder>> RemainingGranteesAsync(string recordId, string leaving, CancellationToken cancellationToken)
    {
        var grants = await GrantsAsync(recordId, cancellationToken).ConfigureAwait(false);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var holders = new List<KeyHolder>();
        foreach (var grant in grants.Grants.Where(g => g.GranteeId != leaving && g.RevokedUnixMs == 0 && (g.ExpiresUnixMs == 0 || g.ExpiresUnixMs > now)))
        {
            holders.Add(await KeyHolderAsync(grant.GranteeId, cancellationToken).ConfigureAwait(false));
        }
        return holders;
    }

    public void Dispose() => _channel.Dispose();
}
