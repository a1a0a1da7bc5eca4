using EhrChain.Client.Session;
using EhrChain.Consensus;
using EhrChain.Contracts.Queries;
using EhrChain.Core.Chain;
using EhrChain.Core.Crypto;
using EhrChain.Core.Genesis;
using EhrChain.Core.Wire;
using EhrChain.Node.Admission;
using EhrChain.Node.Chain;
using EhrChain.Node.Configuration;
using EhrChain.Node.Errors;
using EhrChain.Node.Events;
using EhrChain.Node.Metrics;
using EhrChain.Node.Peers;
using EhrChain.Storage;
using Grpc.Core;

namespace EhrChain.Node.Api;

/// <summary>The public API: submit, receipts, blocks, the contract's reads, subscriptions and status.</summary>
public sealed partial class LedgerService(
    GenesisFile genesis,
    NodeIdentity identity,
    IChainStore store,
    TransactionAdmission admission,
    ConsensusDriver consensus,
    ChainEvents events,
    AdmissionClock admissions,
    PeerTransport peers,
    NodeMetrics metrics,
    AdmissionOptions options,
    TimeProvider time,
    ReadReplayGuard replays,
    AccessLog.AccessLogRecorder accessLog,
    Microsoft.Extensions.Hosting.IHostApplicationLifetime lifetime,
    ILogger<LedgerService> logger) : Ledger.LedgerBase
{
    /// <summary>
    /// The request header of a causality token: the client has seen a block at this height (for
    /// example its own write, committed through another node) and wants this node to have it too
    /// before judging or reading anything.
    /// </summary>
    public const string AfterHeightHeader = ConsistencyToken.Header;

    public override async Task<SubmitResponse> Submit(SubmitRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await CatchUpAsync(context).ConfigureAwait(false);
        var txId = await AdmitAndOrderAsync(request.Transaction, request.Wait, context.CancellationToken).ConfigureAwait(false);
        var response = new SubmitResponse { TxId = txId.ToString() };
        if (!request.Wait)
        {
            return response;
        }
        return await WaitForReceiptAsync(response, txId, context).ConfigureAwait(false);
    }

    /// <summary>
    /// Admission, then the mempool: returns the transaction's id once consensus has taken it, or
    /// throws the RpcException that says why not. A duplicate of a pending transaction is no
    /// refusal to a caller who will wait for it.
    /// </summary>
    private async Task<Hash> AdmitAndOrderAsync(SignedTransaction? transaction, bool waiting, CancellationToken cancellationToken)
    {
        DecodedTransaction admitted;
        try
        {
            admitted = admission.Admit(transaction);
        }
        catch (RpcException e)
        {
            metrics.Rejected.WithLabels("admission", ApiErrors.ReasonOf(e)).Inc();
            throw;
        }

        var txId = admitted.TxId;
        admissions.Admitted(txId);
        var outcome = await consensus.SubmitAsync(admitted.Bytes, admitted.Digest, admitted, cancellationToken).ConfigureAwait(false);
        return outcome switch
        {
            SubmitResult.Accepted => txId,
            SubmitResult.Duplicate when waiting => txId,
            SubmitResult.Duplicate => throw Rejected(StatusCode.AlreadyExists, "DUPLICATE_TX", $"Transaction {txId} is already waiting to be ordered.", txId),
            SubmitResult.AlreadyCommitted => throw Rejected(StatusCode.AlreadyExists, "DUPLICATE_TX", $"Transaction {txId} is already in the chain.", txId),
            SubmitResult.PoolFull => throw Rejected(StatusCode.ResourceExhausted, "MEMPOOL_FULL", "The node's mempool is full; retry with backoff.", txId),
            _ => throw Rejected(StatusCode.InvalidArgument, "MALFORMED", "Consensus refused the transaction as malformed.", txId),
        };
    }

    private async Task<SubmitResponse> WaitForReceiptAsync(SubmitResponse response, Hash txId, ServerCallContext context)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        deadline.CancelAfter(options.MaxWait);
        CommittedTransaction committed;
        try
        {
            committed = await events.WaitForTransactionAsync(txId, store, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw ApiErrors.Create(StatusCode.DeadlineExceeded, "NOT_COMMITTED_YET", $"Transaction {txId} was admitted but not committed within {options.MaxWait.TotalSeconds:F0} s; ask for its receipt later.",
                new Dictionary<string, string> { ["tx_id"] = txId.ToString() });
        }
        var receipt = (committed.Published is { } published
                ? TransactionReceipts.Of(txId, committed.Location, published)
                : TransactionReceipts.Of(txId, committed.Location, store.GetBlock(committed.Location.Height)))
            ?? throw new RpcException(new Grpc.Core.Status(StatusCode.Internal, "The committed block does not hold the transaction at its indexed position."));
        if (receipt.Result.Code != TxResultCode.Ok)
        {
            var (code, reason) = ApiErrors.ForResult(receipt.Result.Code);
            throw ApiErrors.Create(code, reason, receipt.Result.Reason, new Dictionary<string, string>
            {
                ["tx_id"] = receipt.TxId,
                ["height"] = receipt.Height.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["block_hash"] = receipt.BlockHash,
            });
        }
        response.Receipt = receipt;
        return response;
    }

    public override async Task<TransactionReceipt> GetTransaction(GetTransactionRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireAuth(request.Auth);
        var txId = ParseHash(request.TxId, "tx_id");
        await CatchUpAsync(context).ConfigureAwait(false);
        var now = time.GetUtcNow();
        using var view = store.OpenView();
        var reader = AuthoriseChainRead(view, request.Auth, new ReadQuery { GetTransaction = new GetTransactionQuery { TxId = request.TxId } }, now);
        var location = store.FindTransaction(txId);
        var block = location is { } at ? store.GetBlock(at.Height) : null;
        // One answer for "no such transaction" and "not yours to see", so NOT_FOUND is no oracle of existence.
        var receipt = location is { } found && block is not null && found.Position < block.Transactions.Count
            && new ChainVisibility(view, reader, now).MaySee(block.Transactions[found.Position])
                ? TransactionReceipts.Of(txId, found, block)
                : null;
        if (receipt is null)
        {
            throw ApiErrors.Create(StatusCode.NotFound, "NOT_FOUND", $"No transaction {txId} in the chain.");
        }
        LogReads(view, AccessLogEntries.ForChainRead(view, reader, [receipt.Transaction], request.Auth, now, identity.Id), request.Auth);
        return receipt;
    }

    public override async Task<BlockResponse> GetBlock(GetBlockRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        RequireAuth(request.Auth);
        var query = request.ByCase switch
        {
            GetBlockRequest.ByOneofCase.Height => new GetBlockQuery { Height = request.Height },
            GetBlockRequest.ByOneofCase.Hash => new GetBlockQuery { Hash = request.Hash },
            _ => throw ApiErrors.BadRequest("MALFORMED", "by", "Ask for a block by height or by hash."),
        };
        await CatchUpAsync(context).ConfigureAwait(false);
        var now = time.GetUtcNow();
        using var view = store.OpenView();
        var reader = AuthoriseChainRead(view, request.Auth, new ReadQuery { GetBlock = query }, now);
        var block = request.ByCase == GetBlockRequest.ByOneofCase.Height
            ? store.GetBlock(request.Height)
            : store.GetBlock(ParseHash(request.Hash, "hash"));
        if (block is null)
        {
            throw ApiErrors.Create(StatusCode.NotFound, "NOT_FOUND", "No such block.");
        }
        var response = new BlockResponse { Hash = BlockHashing.HeaderHash(block.Header).ToString() };
        var visibility = new ChainVisibility(view, reader, now);
        if (visibility.SeesFullChain)
        {
            response.Block = block;
        }
        else
        {
            response.Filtered = Filtered(block, visibility.VisiblePositions(block));
            LogReads(view, AccessLogEntries.ForChainRead(view, reader, response.Filtered.Transactions.Select(t => t.Transaction), request.Auth, now, identity.Id), request.Auth);
        }
        return response;
    }

    public override Task<ParticipantProfile> GetParticipant(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.GetParticipant, r => r.Participant);

    public override Task<RecordView> GetRecord(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.GetRecord, r => r.Record);

    public override Task<RecordList> ListRecords(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.ListPatientRecords, r => r.Records);

    public override Task<RecordHistory> GetHistory(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.GetRecordHistory, r => r.History);

    public override Task<GrantList> ListGrants(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.ListRecordGrants, r => r.Grants);

    public override Task<PrescriptionList> ListPrescriptions(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.ListSharedPrescriptions, r => r.Prescriptions);

    public override Task<PatientList> ListPatients(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.ListProviderPatients, r => r.Patients);

    public override Task<EmergencyList> ListEmergencies(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.ListEmergencies, r => r.Emergencies);
    public override Task<Core.Wire.AccessLog> GetAccessLog(SignedReadRequest request, ServerCallContext context) =>
        Read(request, context, ReadQuery.QueryOneofCase.GetAccessLog, r => r.AccessLog);

    public override async Task Subscribe(SubscribeRequest request, IServerStreamWriter<BlockEvent> responseStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(responseStream);
        ArgumentNullException.ThrowIfNull(context);
        RequireAuth(request.Auth);
        ChainReader reader;
        using (var view = store.OpenView())
        {
            reader = AuthoriseChainRead(view, request.Auth, new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = request.FromHeight, IncludeBlocks = request.IncludeBlocks } }, time.GetUtcNow());
        }
        var next = request.FromHeight;
        // Ends with the client, or when this node stops (a subscriber resumes elsewhere from its last height).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancel = stop.Token;
        while (!cancel.IsCancellationRequested)
        {
            // Read stored blocks up to the head, then wait for the next one: a subscriber that
            // reconnects from any height gets every block exactly as if it had never left.
            try
            {
                while (BlockAt(next) is { } block)
                {
                    await responseStream.WriteAsync(EventFor(reader, block, request.IncludeBlocks, request.Auth), cancel).ConfigureAwait(false);
                    next++;
                }
                await events.WaitForHeightAsync(next, cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public override async Task<NodeStatus> Status(StatusRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (view, epoch, primary, checkpoint, pending, participates, members) = await consensus.QueryAsync(
            r => (r.View, r.Epoch, r.PrimaryId, r.StableCheckpoint, r.PendingRequests, r.Participates, (r.Members, r.EpochEnd, r.NextMembers)),
            context.CancellationToken).ConfigureAwait(false);
        var head = store.Head;
        var status = new NodeStatus
        {
            NodeId = identity.Id,
            ChainId = genesis.ChainId,
            GenesisHash = genesis.Hash.ToString(),
            Height = head?.Height ?? 0,
            HeadHash = head?.Hash.ToString() ?? "",
            View = view & uint.MaxValue,
            Epoch = epoch,
            Validating = participates,
            Primary = primary,
            MempoolSize = (uint)pending,
            StableCheckpoint = checkpoint,
            Validators = { members.Members },
            EpochEnd = members.EpochEnd == Consensus.Membership.Open ? 0 : members.EpochEnd,
            NextValidators = { members.NextMembers },
        };
        status.ConnectedPeers.AddRange(peers.ConnectedPeers);
        return status;
    }

    private async Task<T> Read<T>(SignedReadRequest request, ServerCallContext context, ReadQuery.QueryOneofCase expected, Func<ReadResponse, T> answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        await CatchUpAsync(context).ConfigureAwait(false);
        var query = ReadRequestQuery(request);
        if (query != expected)
        {
            throw ApiErrors.BadRequest("WRONG_QUERY", "request.query", $"This call answers a {expected} query, not {query}.");
        }
        var now = time.GetUtcNow();
        using var view = store.OpenView();
        var verified = ReadRequestVerifier.Verify(view, request, genesis.ChainId, now);
        if (!verified.IsOk)
        {
            throw ApiErrors.ForReadStatus(verified.Status, verified.Reason);
        }
        RefuseReplay(verified.Value!.Request, now);
        var response = new RecordQueries(view, store, verified.Value!, now).Execute(verified.Value!.Request.Query);
        if (response.Status != ReadStatus.Ok)
        {
            throw ApiErrors.ForReadStatus(response.Status, response.Reason);
        }
        if (query == ReadQuery.QueryOneofCase.GetRecord
            && AccessLogEntries.ForRecordRead(view, response.Record.Record.Id, verified.Value!.Id, now, AccessKind.GetRecord, request, identity.Id) is { } entry)
        {
            LogReads(view, [entry], request);
        }
        if (query == ReadQuery.QueryOneofCase.ListSharedPrescriptions)
        {
            LogReads(view, AccessLogEntries.ForSharedPrescriptions(response.Prescriptions, verified.Value!.Id, now, request, identity.Id), request);
        }
        return answer(response);
    }

    /// <summary>
    /// Fail closed: the entries of a read are durable in this node's store before the answer
    /// leaves, and a node that cannot log them (not a validator, too many unsubmitted, a failing
    /// store) does not answer.
    /// </summary>
    private void LogReads(IStateReader view, IReadOnlyList<AccessLogEntry> entries, SignedReadRequest request)
    {
        if (entries.Count == 0)
        {
            return;
        }
        if (request.CalculateSize() > AccessLogEntries.MaxReadRequestBytes)
        {
            throw ApiErrors.BadRequest("READ_REQUEST_TOO_LARGE", "request",
                $"A read of record content is logged with its read request, which may be at most {AccessLogEntries.MaxReadRequestBytes} bytes.");
        }
        if (!Contracts.Membership.ValidatorMembershipReader.Read(view, genesis.Validators).Validators.Any(v => v.Id == identity.Id))
        {
            throw ApiErrors.Create(StatusCode.Unavailable, "ACCESS_LOG_UNAVAILABLE",
                "This node is not a current validator, so it cannot log reads of record content; read from a validator.");
        }
        try
        {
            accessLog.Record(entries);
        }
        catch (AccessLog.AccessLogUnavailableException e)
        {
            throw ApiErrors.Create(StatusCode.Unavailable, "ACCESS_LOG_UNAVAILABLE", $"This node cannot log the read ({e.Message}), so it does not answer; retry or read from another node.");
        }
    }

    private static void RequireAuth(SignedReadRequest? auth)
    {
        if (auth is null || auth.Request.IsEmpty)
        {
            throw ApiErrors.Create(StatusCode.Unauthenticated, "UNAUTHENTICATED",
                "Chain reads need a signed read request (auth) from an enrolled participant, an auditor or a validator.");
        }
    }

    /// <summary>
    /// Who is reading: the auth must verify, name this very call and its arguments (so a signature
    /// for one block cannot fetch another, nor open a subscription), and not have been answered before.
    /// </summary>
    private ChainReader AuthoriseChainRead(IStateReader view, SignedReadRequest auth, ReadQuery expected, DateTimeOffset now)
    {
        var verified = ChainReaderVerifier.Verify(view, genesis, auth, now);
        if (!verified.IsOk)
        {
            throw ApiErrors.ForReadStatus(verified.Status, verified.Reason);
        }
        var reader = verified.Value!;
        if (!expected.Equals(reader.Request.Query))
        {
            throw ApiErrors.BadRequest("WRONG_QUERY", "auth.request.query",
                $"The signed read request names another call or other arguments than this {expected.QueryCase} request; sign one for this call.");
        }
        RefuseReplay(reader.Request, now);
        return reader;
    }

    private void RefuseReplay(ReadRequest request, DateTimeOffset now)
    {
        switch (replays.Remember(request.ReaderId, request.Nonce, request.CreatedUnixMs, now))
        {
            case ReadReplayGuard.Outcome.Replayed:
                throw ApiErrors.BadRequest("READ_REQUEST_REPLAYED", "request.nonce",
                    "This node has already answered a read request with this reader and nonce; sign a fresh one.");
            case ReadReplayGuard.Outcome.ReaderFull:
                throw ApiErrors.Create(StatusCode.ResourceExhausted, "READ_RATE_LIMITED",
                    "This node is remembering as many fresh read requests of this reader as one reader may have; retry in a moment.");
            case ReadReplayGuard.Outcome.Full:
                throw ApiErrors.Create(StatusCode.ResourceExhausted, "READ_REPLAY_MEMORY_FULL",
                    "This node is remembering as many fresh read requests as it can; retry in a moment.");
        }
    }

    /// <summary>Honours the causality token: waits, at most Admission:MaxWait, until this node has executed the height the client asks for.</summary>
    private async Task CatchUpAsync(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue(AfterHeightHeader);
        if (header is null)
        {
            return;
        }
        if (!ulong.TryParse(header, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var height))
        {
            throw ApiErrors.BadRequest("MALFORMED", AfterHeightHeader, $"The {AfterHeightHeader} header '{ApiErrors.Quote(header)}' is not a block height.");
        }
        if ((store.Head?.Height ?? 0) >= height)
        {
            return;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        wait.CancelAfter(options.MaxWait);
        try
        {
            while ((store.Head?.Height ?? 0) < height)
            {
                await events.WaitForHeightAsync(height, wait.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            throw ApiErrors.Create(StatusCode.Unavailable, "NODE_BEHIND", $"This node is at height {store.Head?.Height ?? 0} and did not reach {height} within {options.MaxWait.TotalSeconds:F0} s; try another node.");
        }
    }

    private static ReadQuery.QueryOneofCase ReadRequestQuery(SignedReadRequest request)
    {
        try
        {
            return ReadRequest.Parser.ParseFrom(request.Request).Query?.QueryCase ?? ReadQuery.QueryOneofCase.None;
        }
        catch (Google.Protobuf.InvalidProtocolBufferException)
        {
            throw ApiErrors.BadRequest("MALFORMED", "request", "The read request does not decode.");
        }
    }

    /// <summary>
    /// One block event for one reader, judged against the state as it is now: a participant who
    /// was suspended meanwhile is cut off, one whose grant was revoked stops seeing the record.
    /// </summary>
    /// <summary>
    /// The block at <paramref name="height"/>: at the head, the commit as execution published it (its
    /// hash and ids computed already); behind it, read from the store.
    /// </summary>
    private PublishedBlock? BlockAt(ulong height) =>
        events.Latest is { } latest && latest.Height == height ? new PublishedBlock(latest.Block, latest.Hash, latest.TxIds)
        : store.GetBlock(height) is { } stored ? new PublishedBlock(stored, BlockHashing.HeaderHash(stored.Header), null)
        : null;

    /// <summary>A block with its hash, and its transaction ids when they are known (null: computed per visible position).</summary>
    private sealed record PublishedBlock(Block Block, Hash Hash, IReadOnlyList<Hash>? TxIds);

    private BlockEvent EventFor(ChainReader reader, PublishedBlock published, bool includeBlock, SignedReadRequest auth)
    {
        var block = published.Block;
        if (reader.IsValidator)
        {
            return EventOf(published, includeBlock, null);
        }
        using var view = store.OpenView();
        if (new Contracts.State.EhrState(view).Participant(reader.Id) is not { Status: ParticipantStatus.Active } participant
            || participant.SigningPublicKey != reader.Participant!.SigningPublicKey)
        {
            throw ApiErrors.Create(StatusCode.PermissionDenied, "READER_NOT_ACTIVE",
                $"{reader.Id} was suspended or changed its key while subscribed; subscribe again with a fresh signed request.");
        }
        var now = time.GetUtcNow();
        var visibility = new ChainVisibility(view, reader, now);
        var blockEvent = EventOf(published, includeBlock, visibility.SeesFullChain ? null : visibility.VisiblePositions(block));
        if (blockEvent.Filtered is { } filtered)
        {
            LogReads(view, AccessLogEntries.ForChainRead(view, reader, filtered.Transactions.Select(t => t.Transaction), auth, now, identity.Id), auth);
        }
        return blockEvent;
    }

    /// <param name="published">The block.</param>
    /// <param name="includeBlock">Whether the event carries the block (or the filtered block).</param>
    /// <param name="visible">The positions the reader may see, or null for a reader who sees everything.</param>
    private static BlockEvent EventOf(PublishedBlock published, bool includeBlock, IReadOnlyList<int>? visible)
    {
        var block = published.Block;
        var blockEvent = new BlockEvent
        {
            Height = block.Header.Height,
            Hash = published.Hash.ToString(),
            TimeUnixMs = block.Header.TimeUnixMs,
        };
        var positions = visible ?? Enumerable.Range(0, block.Transactions.Count).ToArray();
        foreach (var i in positions)
        {
            blockEvent.Outcomes.Add(new TransactionOutcome
            {
                TxId = (published.TxIds?[i] ?? TransactionIds.OfSignedTransaction(block.Transactions[i].Span)).ToString(),
                Result = block.Results[i],
                Position = (uint)i,
            });
        }
        if (includeBlock)
        {
            if (visible is null)
            {
                blockEvent.Block = block;
            }
            else
            {
                blockEvent.Filtered = Filtered(block, visible);
            }
        }
        return blockEvent;
    }

    private static FilteredBlock Filtered(Block block, IReadOnlyList<int> visible)
    {
        var filtered = new FilteredBlock
        {
            Header = block.Header,
            Certificate = block.Certificate,
            TransactionCount = (uint)block.Transactions.Count,
        };
        foreach (var i in visible)
        {
            filtered.Transactions.Add(new VisibleTransaction
            {
                Position = (uint)i,
                TxId = TransactionIds.OfSignedTransaction(block.Transactions[i].Span).ToString(),
                Transaction = block.Transactions[i],
                Result = block.Results[i],
            });
        }
        return filtered;
    }

    private static Hash ParseHash(string text, string field) =>
        Hash.TryParse(text, out var hash) ? hash : throw ApiErrors.BadRequest("MALFORMED", field, $"'{ApiErrors.Quote(text)}' is not a 64-digit hex hash.");

    private static RpcException Rejected(StatusCode code, string reason, string message, Hash txId) =>
        ApiErrors.Create(code, reason, message, new Dictionary<string, string> { ["tx_id"] = txId.ToString() });
}
