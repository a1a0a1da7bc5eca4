using System.Net;
using EhrChain.Client;
using EhrChain.Core.Crypto;
using EhrChain.Core.Keys;
using EhrChain.Core.Wire;
using EhrChain.Node.Api;
using EhrChain.Node.Errors;
using Google.Protobuf;
using Grpc.Core;

namespace EhrChain.Tests.Integration;

// Input below the typed client: bytes that are no message, broken frames, oversize prefixes, and
// int64 extremes. Each is a clean refusal with its code and reason, and the node's log holds no
// stack trace for any of them.
public sealed partial class BadInputTests
{
    private static readonly Marshaller<byte[]> RawBytes = Marshallers.Create(bytes => bytes, bytes => bytes);

    /// <summary>Byte strings no request message decodes from, each for its own reason.</summary>
    private static IEnumerable<TestCaseData> Undecodable()
    {
        yield return new TestCaseData((object)new byte[] { 0x00, 0x01, 0x02 }).SetArgDisplayNames("a zero tag");
        yield return new TestCaseData((object)Enumerable.Repeat((byte)0xff, 11).ToArray()).SetArgDisplayNames("an overlong varint");
        yield return new TestCaseData((object)new byte[] { 0x0a, 0x7f, 0x01 }).SetArgDisplayNames("a length past the end");
        yield return new TestCaseData((object)NestedGroups(5000)).SetArgDisplayNames("5000 nested unknown groups");
    }

    /// <summary>Start-group tags of unknown field 15 nested <paramref name="depth"/> deep, each closed: well-formed but past any nesting limit.</summary>
    private static byte[] NestedGroups(int depth) =>
        [.. Enumerable.Repeat((byte)((15 << 3) | 3), depth), .. Enumerable.Repeat((byte)((15 << 3) | 4), depth)];

    private static IEnumerable<(string Service, string Method, MethodType Type)> SingleRequestMethods() =>
        Ledger.Descriptor.Methods.Concat(Grpc.Health.V1.Health.Descriptor.Methods)
            .Where(m => !m.IsClientStreaming)
            .Select(m => (m.Service.FullName, m.Name, m.IsServerStreaming ? MethodType.ServerStreaming : MethodType.Unary));

    private async Task<RpcException> RawCallRefusal(string service, string method, MethodType type, byte[] message)
    {
        var channel = _cluster.Channel(0);  // shared: the cluster disposes it
        var invoker = channel.CreateCallInvoker();
        var descriptor = new Method<byte[], byte[]>(type, service, method, RawBytes, RawBytes);
        var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10));
        try
        {
            if (type == MethodType.Unary)
            {
                await invoker.AsyncUnaryCall(descriptor, null, options, message).ResponseAsync;
            }
            else
            {
                using var call = invoker.AsyncServerStreamingCall(descriptor, null, options, message);
                await call.ResponseStream.MoveNext();
            }
        }
        catch (RpcException e)
        {
            return e;
        }
        throw new AssertionException($"{service}/{method} answered bytes that are no message");
    }

    /// <summary>A node's answer to a hand-made request: its status, and the response body (its message frames).</summary>
    private sealed record RawAnswer(StatusCode Code, string? Reason, string Message, byte[] Body)
    {
        public void Deconstruct(out StatusCode code, out string? reason, out string message) => (code, reason, message) = (Code, Reason, Message);
    }

    /// <summary>Sends <paramref name="body"/> as the whole HTTP/2 request body of a gRPC call and returns the status the node answers.</summary>
    private async Task<RawAnswer> RawBodyAsync(string path, byte[] body, Uri? node = null, string? encoding = null)
    {
        using var http = new HttpClient(_cluster.HttpHandler()) { BaseAddress = node ?? _cluster.ClientUri(0) };
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TE.ParseAdd("trailers");
        if (encoding is not null)
        {
            request.Headers.Add("grpc-encoding", encoding);
        }
        using var response = await http.SendAsync(request);
        var answer = await response.Content.ReadAsByteArrayAsync();
        // A trailers-only answer carries the status in its headers, others in the trailers.
        string? Header(string name) =>
            response.Headers.TryGetValues(name, out var values) || response.TrailingHeaders.TryGetValues(name, out values) ? values.First() : null;
        var code = (StatusCode)int.Parse(Header("grpc-status") ?? "-1", System.Globalization.CultureInfo.InvariantCulture);
        var details = Header("grpc-status-details-bin");
        var status = details is null ? null : Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(details.PadRight(details.Length + ((4 - (details.Length % 4)) % 4), '=')));
        var reason = status?.Details.Where(d => d.Is(Google.Rpc.ErrorInfo.Descriptor)).Select(d => d.Unpack<Google.Rpc.ErrorInfo>().Reason).FirstOrDefault();
        return new RawAnswer(code, reason, Uri.UnescapeDataString(Header("grpc-message") ?? ""), answer);
    }

    private static byte[] Frame(uint length, byte[] message, byte flag = 0)
    {
        var frame = new byte[5 + message.Length];
        frame[0] = flag;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), length);
        message.CopyTo(frame, 5);
        return frame;
    }

    /// <summary>No line a client's mistake made the node write holds an exception or a stack frame.</summary>
    private void AssertNoStackTraceSince(int mark)
    {
        var lines = _cluster.Log(0).Since(mark);
        Assert.That(lines.Where(l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)), Is.Empty);
    }

    private static SignedTransaction Resigned(SignedTransaction transaction, KeyFile keys, Action<TransactionPayload> change)
    {
        var payload = TransactionPayload.Parser.ParseFrom(transaction.Payload);
        change(payload);
        var bytes = payload.ToByteArray();
        return new SignedTransaction { Payload = ByteString.CopyFrom(bytes), Signature = ByteString.CopyFrom(keys.Signing.Sign(SigningDomain.Transaction, bytes)) };
    }

    private SignedReadRequest ResignedRead(ReadQuery query, Action<ReadRequest> change)
    {
        var request = ReadRequest.Parser.ParseFrom(_doctor.Client.Read(query).Request);
        change(request);
        var bytes = request.ToByteArray();
        return new SignedReadRequest { Request = ByteString.CopyFrom(bytes), Signature = ByteString.CopyFrom(_doctorKeys.Signing.Sign(SigningDomain.ReadRequest, bytes)) };
    }

    [TestCaseSource(nameof(Undecodable))]
    public async Task Bytes_that_are_no_message_are_refused_by_every_method_as_undecodable(byte[] garbage)
    {
        var mark = _cluster.Log(0).Lines.Count;
        foreach (var (service, method, type) in SingleRequestMethods())
        {
            var error = await RawCallRefusal(service, method, type, garbage);

            using (Assert.EnterMultipleScope())
            {
                Assert.That((error.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE")), $"{service}/{method}");
                Assert.That(Describe(error).Fields, Does.Contain("request"), $"{service}/{method}");
            }
        }
        AssertNoStackTraceSince(mark);
    }

    [TestCaseSource(nameof(Undecodable))]
    public async Task Bytes_that_are_no_message_on_reflection_streams_are_refused_as_undecodable(byte[] garbage)
    {
        var channel = _cluster.Channel(0);  // shared: the cluster disposes it
        var invoker = channel.CreateCallInvoker();
        foreach (var service in new[] { "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection" })
        {
            using var call = invoker.AsyncDuplexStreamingCall(new Method<byte[], byte[]>(MethodType.DuplexStreaming, service, "ServerReflectionInfo", RawBytes, RawBytes), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(10)));
            await call.RequestStream.WriteAsync(garbage);
            var error = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());

            Assert.That((error!.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE")), service);
        }
    }

    [Test]
    public async Task Three_hundred_garbage_calls_leave_no_stack_trace_and_a_few_warning_lines()
    {
        var log = _cluster.Log(0);
        var mark = log.Lines.Count;
        var random = new Random(20261202);
        var methods = SingleRequestMethods().ToList();
        var codes = new List<StatusCode>();
        for (var i = 0; i < 300; i++)
        {
            var garbage = new byte[random.Next(1, 200)];
            random.NextBytes(garbage);
            var (service, method, type) = methods[i % methods.Count];
            try
            {
                var channel = _cluster.Channel(0);  // shared: the cluster disposes it
                var descriptor = new Method<byte[], byte[]>(type, service, method, RawBytes, RawBytes);
                var options = new CallOptions(deadline: DateTime.UtcNow.AddSeconds(2));
                if (type == MethodType.Unary)
                {
                    await channel.CreateCallInvoker().AsyncUnaryCall(descriptor, null, options, garbage).ResponseAsync;
                }
                else
                {
                    using var call = channel.CreateCallInvoker().AsyncServerStreamingCall(descriptor, null, options, garbage);
                    while (await call.ResponseStream.MoveNext())
                    {
                    }
                }
                codes.Add(StatusCode.OK);
            }
            catch (RpcException e)
            {
                codes.Add(e.StatusCode);
            }
        }
        var lines = log.Since(mark);

        using (Assert.EnterMultipleScope())
        {
            // Random bytes sometimes decode (protobuf skips unknown fields); whatever they decode to is answered, never UNKNOWN.
            Assert.That(codes, Has.None.EqualTo(StatusCode.Unknown).And.None.EqualTo(StatusCode.Internal));
            Assert.That(codes.Count(c => c == StatusCode.InvalidArgument), Is.GreaterThan(150));
            Assert.That(lines.Where(l => l.Contains("   at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal)), Is.Empty);
            Assert.That(lines.Count(l => l.StartsWith("Warning", StringComparison.Ordinal)), Is.AtMost(4), string.Join(Environment.NewLine, lines));
            // Over the whole fixture's refusals: a line per kind of mistake per minute, not per call.
            Assert.That(log.Lines.Count(l => l.Contains("Refused a malformed client request", StringComparison.Ordinal)), Is.InRange(1, 5));
        }
    }

    [Test]
    public async Task A_4_GiB_length_prefix_is_resource_exhausted_after_five_bytes()
    {
        var mark = _cluster.Log(0).Lines.Count;

        var (code, reason, message) = await RawBodyAsync("/ehrchain.v1.Ledger/Submit", Frame(uint.MaxValue, [0x0a, 0x00]));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
            Assert.That(message, Does.Contain("4294967295 bytes"));
        }
        AssertNoStackTraceSince(mark);
    }

    [Test]
    public async Task A_4_GiB_length_prefix_on_a_stream_is_resource_exhausted()
    {
        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/SubmitStream", Frame(uint.MaxValue, [0x0a, 0x00]));

        Assert.That((code, reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
    }

    [Test]
    public async Task A_peer_stream_frame_that_is_no_message_is_refused_as_undecodable()
    {
        var mark = _cluster.Log(0).Lines.Count;

        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Peer/Stream", Frame(3, [0x00, 0x01, 0x02]), _cluster.PeerUri(0));

        Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE")));
        AssertNoStackTraceSince(mark);
    }

    [Test]
    public async Task The_peer_port_keeps_its_larger_limit_and_the_client_port_its_own()
    {
        var megabyte = NestedGroups(1).Concat(new byte[1024 * 1024]).ToArray();

        var peer = await RawBodyAsync("/ehrchain.v1.Peer/Stream", Frame((uint)megabyte.Length, megabyte), _cluster.PeerUri(0));
        var client = await RawBodyAsync("/ehrchain.v1.Ledger/SubmitStream", Frame((uint)megabyte.Length, megabyte));
        var beyond = await RawBodyAsync("/ehrchain.v1.Peer/Stream", Frame(64 * 1024 * 1024 + 1, [0x00]), _cluster.PeerUri(0));

        using (Assert.EnterMultipleScope())
        {
            Assert.That((peer.Code, peer.Reason), Is.EqualTo((StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE")));
            Assert.That((client.Code, client.Reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
            Assert.That((beyond.Code, beyond.Reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
        }
    }

    [Test]
    public async Task A_compressed_single_request_is_refused_as_unsupported()
    {
        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/Status", Frame(0, [], flag: 1), encoding: "gzip");

        Assert.That((code, reason), Is.EqualTo((StatusCode.Unimplemented, "COMPRESSION_NOT_SUPPORTED")));
    }

    [Test]
    public async Task A_gzip_bomb_on_a_stream_is_resource_exhausted_an_unknown_encoding_unsupported_and_no_encoding_a_malformed_frame()
    {
        using var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            // A small body that would inflate to 64 MiB, past every limit.
            gzip.Write(new byte[64 * 1024 * 1024]);
        }
        var bomb = packed.ToArray();

        var labelled = await RawBodyAsync("/ehrchain.v1.Ledger/SubmitStream", Frame((uint)bomb.Length, bomb, flag: 1), encoding: "gzip");
        var unknown = await RawBodyAsync("/ehrchain.v1.Ledger/SubmitStream", Frame((uint)bomb.Length, bomb, flag: 1), encoding: "br");
        var unlabelled = await RawBodyAsync("/ehrchain.v1.Ledger/SubmitStream", Frame((uint)bomb.Length, bomb, flag: 1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(bomb, Has.Length.LessThan(256 * 1024));
            // gRPC stops inflating at the port's limit.
            Assert.That((labelled.Code, labelled.Reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
            Assert.That((unknown.Code, unknown.Reason), Is.EqualTo((StatusCode.Unimplemented, "COMPRESSION_NOT_SUPPORTED")));
            Assert.That((unlabelled.Code, unlabelled.Reason), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
        }
    }

    [Test]
    public async Task A_body_that_ends_inside_its_message_is_a_malformed_frame()
    {
        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/GetBlock", Frame(100, [0x08, 0x01]));

        Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
    }

    [Test]
    public async Task Two_messages_to_a_method_that_takes_one_are_a_malformed_frame()
    {
        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/Status", [.. Frame(0, []), .. Frame(0, [])]);

        Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
    }

    [Test]
    public async Task A_small_frame_followed_by_more_bytes_is_a_malformed_frame_and_by_megabytes_resource_exhausted()
    {
        var mark = _cluster.Log(0).Lines.Count;

        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/Status", [.. Frame(0, []), .. new byte[100]]);
        // Content-Length says 8 MB: Kestrel's body limit for this method speaks first.
        var (bigCode, bigReason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/Status", [.. Frame(0, []), .. new byte[8 * 1024 * 1024]]);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
            Assert.That((bigCode, bigReason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
        }
        AssertNoStackTraceSince(mark);
    }

    [Test]
    public async Task A_client_that_goes_away_inside_its_message_leaves_no_stack_trace()
    {
        var mark = _cluster.Log(0).Lines.Count;
        using var http = new HttpClient(_cluster.HttpHandler()) { BaseAddress = _cluster.ClientUri(0) };
        using var gone = new CancellationTokenSource();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/ehrchain.v1.Ledger/Status")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new HalfAFrame(),
        };
        request.Content.Headers.ContentType = new("application/grpc");

        var sending = http.SendAsync(request, gone.Token);
        await Task.Delay(300);
        await gone.CancelAsync();
        Assert.CatchAsync<OperationCanceledException>(() => sending);
        await Task.Delay(300);

        AssertNoStackTraceSince(mark);
        Assert.That((await _cluster.StatusAsync(0)).NodeId, Is.Not.Empty);
    }

    /// <summary>A body that promises a 1000-byte message, sends ten bytes of it, and never finishes.</summary>
    private sealed class HalfAFrame : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            await stream.WriteAsync(Frame(1000, new byte[10]), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }

    [Test]
    public async Task A_compressed_flag_other_than_0_or_1_is_a_malformed_frame()
    {
        var (code, reason, _) = await RawBodyAsync("/ehrchain.v1.Ledger/Status", Frame(0, [], flag: 7));

        Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
    }

    [Test]
    public async Task A_30_MB_body_is_resource_exhausted_with_a_reason_not_unknown()
    {
        var mark = _cluster.Log(0).Lines.Count;

        var error = await RawCallRefusal("ehrchain.v1.Ledger", "Submit", MethodType.Unary, new byte[30 * 1000 * 1000]);

        Assert.That((error.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
        AssertNoStackTraceSince(mark);
    }

    [TestCase(long.MaxValue, "TX_FROM_THE_FUTURE")]
    [TestCase(long.MinValue, "TX_EXPIRED")]
    public async Task A_created_time_at_an_int64_extreme_is_refused_with_its_reason(long createdUnixMs, string expected)
    {
        var mark = _cluster.Log(0).Lines.Count;
        var tx = Resigned(_patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "int64"u8.ToArray())]), _patientKeys, p => p.CreatedUnixMs = createdUnixMs);

        var (code, reason, fields) = await RefusedAtAdmission(tx);

        using (Assert.EnterMultipleScope())
        {
            Assert.That((code, reason), Is.EqualTo((StatusCode.InvalidArgument, expected)));
            Assert.That(fields, Does.Contain("transaction.payload.created_unix_ms"));
        }
        AssertNoStackTraceSince(mark);
    }

    [TestCase(ulong.MaxValue)]
    [TestCase(ulong.MinValue)]
    public async Task A_nonce_at_a_uint64_extreme_is_an_ordinary_nonce(ulong nonce)
    {
        var tx = Resigned(_patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "nonce"u8.ToArray())]), _patientKeys, p => p.Nonce = nonce);

        var response = await _cluster.Client(0).SubmitAsync(new SubmitRequest { Transaction = tx, Wait = true });

        Assert.That(response.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
    }

    [TestCase(long.MaxValue)]
    [TestCase(long.MinValue)]
    public async Task A_grant_expiry_at_an_int64_extreme_is_judged_and_the_chain_goes_on(long expiresUnixMs)
    {
        var mark = _cluster.Log(0).Lines.Count;
        var doctor = await _patient.KeyHolderAsync(_doctorKeys.Id, CancellationToken.None);
        var keys = await _patient.RecordKeysAsync(RecordId, CancellationToken.None);
        var grant = Resigned(_patient.Client.GrantAccess(keys, doctor, Permission.Read, DateTimeOffset.UtcNow.AddDays(1)), _patientKeys, p => p.GrantAccess.ExpiresUnixMs = expiresUnixMs);

        StatusCode code;
        try
        {
            code = (StatusCode)(await _cluster.Client(0).SubmitAsync(new SubmitRequest { Transaction = grant, Wait = true })).Receipt.Result.Code;
        }
        catch (RpcException e)
        {
            Assert.That(Describe(e).Reason, Is.Not.Null.And.Not.EqualTo("UNKNOWN_RESULT"));
            code = e.StatusCode;
        }
        var after = await _cluster.Client(0).SubmitAsync(new SubmitRequest { Transaction = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "after"u8.ToArray())]), Wait = true });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(code, Is.Not.EqualTo(StatusCode.Unknown).And.Not.EqualTo(StatusCode.Internal));
            Assert.That(after.Receipt.Result.Code, Is.EqualTo(TxResultCode.Ok));
        }
        AssertNoStackTraceSince(mark);
    }

    [TestCase(long.MaxValue)]
    [TestCase(long.MinValue)]
    public void A_read_request_created_at_an_int64_extreme_is_an_invalid_read_request(long createdUnixMs)
    {
        var request = ResignedRead(new ReadQuery { GetRecord = new GetRecordQuery { RecordId = RecordId } }, r => r.CreatedUnixMs = createdUnixMs);

        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(0).GetRecordAsync(request).ResponseAsync);

        Assert.That((error!.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.InvalidArgument, "INVALID_READ_REQUEST")));
    }

    [Test]
    public async Task A_read_request_with_a_uint64_max_nonce_is_an_ordinary_read()
    {
        var request = ResignedRead(new ReadQuery { ListProviderPatients = new ListProviderPatientsQuery { ProviderId = _doctorKeys.Id } }, r => r.Nonce = ulong.MaxValue);

        var patients = await _cluster.Client(0).ListPatientsAsync(request);

        Assert.That(patients, Is.Not.Null);
    }

    [Test]
    public void A_block_at_height_uint64_max_is_not_found()
    {
        var auth = _patient.Client.Read(new ReadQuery { GetBlock = new GetBlockQuery { Height = ulong.MaxValue } });
        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(0).GetBlockAsync(new GetBlockRequest { Height = ulong.MaxValue, Auth = auth }).ResponseAsync);

        Assert.That((error!.StatusCode, Describe(error).Reason), Is.EqualTo((StatusCode.NotFound, "NOT_FOUND")));
    }

    [Test]
    public async Task A_subscription_from_height_uint64_max_waits_quietly_and_the_node_keeps_serving()
    {
        var mark = _cluster.Log(0).Lines.Count;
        var auth = _patient.Client.Read(new ReadQuery { Subscribe = new SubscribeQuery { FromHeight = ulong.MaxValue } });
        using (var call = _cluster.Client(0).Subscribe(new SubscribeRequest { FromHeight = ulong.MaxValue, Auth = auth }, deadline: DateTime.UtcNow.AddMilliseconds(500)))
        {
            var error = Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
            Assert.That(error!.StatusCode, Is.EqualTo(StatusCode.DeadlineExceeded));
        }

        var status = await _cluster.StatusAsync(0);

        Assert.That(status.Height, Is.GreaterThan(0UL));
        AssertNoStackTraceSince(mark);
    }

    [Test]
    public void A_huge_tx_id_is_quoted_as_a_short_prefix()
    {
        var huge = new string('x', 100_000);

        var auth = _patient.Client.Read(new ReadQuery { GetTransaction = new GetTransactionQuery { TxId = huge } });
        var error = Assert.ThrowsAsync<RpcException>(() => _cluster.Client(0).GetTransactionAsync(new GetTransactionRequest { TxId = huge, Auth = auth }).ResponseAsync);
        var violation = error!.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.StatusCode, Is.EqualTo(StatusCode.InvalidArgument));
            Assert.That(error.Status.Detail, Does.Contain(new string('x', ApiErrors.MaxQuotedChars) + "…'"));
            Assert.That(error.Status.Detail, Does.Not.Contain(new string('x', ApiErrors.MaxQuotedChars + 1)));
            Assert.That(violation.Description.Length, Is.LessThan(ApiErrors.MaxQuotedChars + 64));
        }
    }

    [Test]
    public async Task A_stream_of_good_garbage_int64_time_and_good_requests_answers_each_in_order_and_commits_the_good_ones()
    {
        var mark = _cluster.Log(0).Lines.Count;
        var first = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "good 1"u8.ToArray())]);
        var late = Resigned(_patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "int64"u8.ToArray())]), _patientKeys, p => p.CreatedUnixMs = long.MaxValue);
        var early = Resigned(_patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "int64"u8.ToArray())]), _patientKeys, p => p.CreatedUnixMs = long.MinValue);
        var last = _patient.Client.AppendEntries(_ownerKeys, [new PlainEntry(EntryKind.Note, "good 2"u8.ToArray())]);
        var count = await EntryCount();

        var channel = _cluster.Channel(0);  // shared: the cluster disposes it
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(
            new Method<byte[], byte[]>(MethodType.DuplexStreaming, "ehrchain.v1.Ledger", "SubmitStream", RawBytes, RawBytes), null, new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30)));
        foreach (var message in new[]
        {
            new SubmitRequest { Transaction = first }.ToByteArray(),
            [0x00, 0x01, 0x02],
            NestedGroups(5000),
            new SubmitRequest { Transaction = late }.ToByteArray(),
            new SubmitRequest { Transaction = early }.ToByteArray(),
            new SubmitRequest { Transaction = last }.ToByteArray(),
        })
        {
            await call.RequestStream.WriteAsync(message);
        }
        await call.RequestStream.CompleteAsync();
        var outcomes = new List<SubmitOutcome>();
        while (await call.ResponseStream.MoveNext())
        {
            outcomes.Add(SubmitOutcome.Parser.ParseFrom(call.ResponseStream.Current));
        }
        var receipts = new[] { await CommittedAsync(outcomes[0].TxId), await CommittedAsync(outcomes[5].TxId) };
        _token.Saw(receipts.Max(r => r.Height));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(call.GetStatus().StatusCode, Is.EqualTo(StatusCode.OK));
            Assert.That(outcomes.Select(o => o.Index), Is.EqualTo(new ulong[] { 0, 1, 2, 3, 4, 5 }));
            Assert.That(outcomes.Select(o => ((StatusCode)o.Code, o.Reason)), Is.EqualTo(new[]
            {
                (StatusCode.OK, ""),
                (StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE"),
                (StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE"),
                (StatusCode.InvalidArgument, "TX_FROM_THE_FUTURE"),
                (StatusCode.InvalidArgument, "TX_EXPIRED"),
                (StatusCode.OK, ""),
            }));
            Assert.That(outcomes[5].TxId, Is.EqualTo(Hash.Compute(last.Payload.Span).ToString()));
            Assert.That(receipts.Select(r => r.Result.Code), Has.All.EqualTo(TxResultCode.Ok));
            Assert.That(await EntryCount(), Is.EqualTo(count + 2));
        }
        AssertNoStackTraceSince(mark);
    }
}
