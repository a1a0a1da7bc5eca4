using System.IO.Pipelines;
using EhrChain.Node.Api;
using EhrChain.Node.Errors;
using EhrChain.Tests.Support;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace EhrChain.Tests.Node;

public sealed class InputGuardTests
{
    private static (StatusCode Code, string? Reason) Describe(RpcException e) =>
        (e.StatusCode, e.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason);

    [Test]
    public async Task A_trailers_only_refusal_percent_encodes_its_message_and_carries_the_details()
    {
        var context = new Microsoft.AspNetCore.Http.DefaultHttpContext();
        var refusal = ApiErrors.Create(StatusCode.Unimplemented, "NOT_HERE", "100% sure: 'ü'\nnot here");

        await GrpcTrailersOnly.WriteAsync(context, refusal);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(context.Response.Headers["grpc-status"].ToString(), Is.EqualTo("12"));
            Assert.That(context.Response.Headers["grpc-message"].ToString(), Is.EqualTo("100%25 sure: '%C3%BC'%0Anot here"));
            Assert.That(context.Response.Headers["grpc-status-details-bin"].ToString(), Is.Not.Empty);
        }
    }

    [Test]
    public void The_reason_of_a_refusal_is_its_error_info_reason_or_else_its_status_code()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ApiErrors.ReasonOf(ApiErrors.Create(StatusCode.PermissionDenied, "ACCESS_DENIED", "No.")), Is.EqualTo("ACCESS_DENIED"));
            Assert.That(ApiErrors.ReasonOf(new RpcException(new Status(StatusCode.Unavailable, "down"))), Is.EqualTo("Unavailable"));
        }
    }

    [Test]
    public void A_quote_writes_control_characters_as_visible_escapes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ApiErrors.Quote("a\nb"), Is.EqualTo(@"a\nb"));
            Assert.That(ApiErrors.Quote("a\r\tb\u001b[31m\u2028"), Is.EqualTo(@"a\r\tb\u001b[31m\u2028"));
            Assert.That(ApiErrors.Quote(@"a\nb"), Is.EqualTo(@"a\\nb"), "a backslash in the input cannot pass for an escape");
        }
    }

    [Test]
    public void A_quote_of_many_control_characters_stays_within_the_quoted_length()
    {
        var quote = ApiErrors.Quote(new string('\n', 1000));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(quote, Does.Not.Contain("\n"));
            Assert.That(quote, Is.EqualTo(string.Concat(Enumerable.Repeat(@"\n", ApiErrors.MaxQuotedChars / 2)) + "…"));
        }
    }

    [Test]
    public void A_quoted_input_longer_than_64_characters_is_cut_to_a_prefix_with_an_ellipsis()
    {
        var error = ApiErrors.BadRequest("MALFORMED", "tx_id", $"'{new string('a', 1_000_000)}' is not a 64-digit hex hash.");
        var violation = error.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Single();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Status.Detail, Is.EqualTo($"'{new string('a', 64)}…' is not a 64-digit hex hash."));
            Assert.That(violation.Description, Is.EqualTo(error.Status.Detail));
        }
    }

    [Test]
    public void A_message_with_nothing_long_quoted_is_left_as_it_is()
    {
        const string message = "The transaction is for chain 'other', this node runs 'ehr-test'.";

        Assert.That(ApiErrors.Bounded(message), Is.EqualTo(message));
    }

    [Test]
    public void A_long_unquoted_message_and_a_long_metadata_value_are_cut_to_512_characters()
    {
        var error = ApiErrors.Create(StatusCode.InvalidArgument, "X", new string('m', 5000), new Dictionary<string, string> { ["k"] = new string('v', 5000) });
        var info = error.GetRpcStatus()!.GetDetail<Google.Rpc.ErrorInfo>()!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Status.Detail, Has.Length.EqualTo(ApiErrors.MaxMessageChars + 1).And.EndsWith("…"));
            Assert.That(info.Metadata["k"], Has.Length.EqualTo(ApiErrors.MaxMessageChars + 1));
        }
    }

    [Test]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var quoted = new string('a', 63) + "😀" + "tail";

        var bounded = ApiErrors.Bounded($"'{quoted}' and more words to pass the short-message shortcut");

        Assert.That(bounded, Does.StartWith("'" + new string('a', 63) + "…'"));
    }

    [Test]
    public void Refusals_of_one_kind_write_one_line_a_minute_with_the_count_of_the_rest()
    {
        var log = new InMemoryLog();
        using var factory = LoggerFactory.Create(b => b.AddProvider(log));
        var time = new FakeTimeProvider();
        var refusals = new RefusalLog(factory.CreateLogger<RefusalLog>(), time);

        for (var i = 0; i < 100; i++)
        {
            refusals.Refused("UNDECODABLE_MESSAGE", "/ehrchain.v1.Ledger/Submit");
        }
        refusals.Refused("MESSAGE_TOO_LARGE", "/ehrchain.v1.Ledger/Submit");
        time.Advance(RefusalLog.Interval);
        refusals.Refused("UNDECODABLE_MESSAGE", "/ehrchain.v1.Ledger/Status");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(log.Lines, Has.Count.EqualTo(3));
            Assert.That(log.Lines[0], Does.Contain("UNDECODABLE_MESSAGE").And.Contain("; 0 more"));
            Assert.That(log.Lines[1], Does.Contain("MESSAGE_TOO_LARGE"));
            Assert.That(log.Lines[2], Does.Contain("Status").And.Contain("; 99 more"));
        }
    }

    [Test]
    public async Task A_frame_that_arrives_in_pieces_is_read_whole_and_decoded()
    {
        var message = new SubmitRequest { Wait = true }.ToByteArray();
        var frame = new byte[] { 0, 0, 0, 0, (byte)message.Length }.Concat(message).ToArray();
        var pipe = new Pipe();
        var reading = GrpcRequestGuard.ReadOneFrameAsync(pipe.Reader, SubmitRequest.Descriptor, 1024, CancellationToken.None);
        foreach (var b in frame)
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }
        await pipe.Writer.CompleteAsync();

        var (read, refusal) = await reading;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refusal, Is.Null);
            Assert.That(read, Is.EqualTo(frame));
        }
    }

    [Test]
    public async Task A_length_prefix_over_the_limit_is_refused_from_the_header_alone()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0, 0, 0, 4, 1 });
        // The writer never completes: the guard must not wait for a body it will refuse.

        var (_, refusal) = await GrpcRequestGuard.ReadOneFrameAsync(pipe.Reader, SubmitRequest.Descriptor, 1024, CancellationToken.None);

        Assert.That(Describe(refusal!), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
    }

    [Test]
    public async Task An_empty_body_is_a_malformed_frame()
    {
        var pipe = new Pipe();
        await pipe.Writer.CompleteAsync();

        var (_, refusal) = await GrpcRequestGuard.ReadOneFrameAsync(pipe.Reader, SubmitRequest.Descriptor, 1024, CancellationToken.None);

        Assert.That(Describe(refusal!), Is.EqualTo((StatusCode.InvalidArgument, "MALFORMED_FRAME")));
    }

    [Test]
    public async Task An_undecodable_message_on_a_stream_is_refused_and_the_stream_reads_on()
    {
        var reader = new GuardedReader<string>(new ScriptedReader([Undecodable(), null, "next"]), "/m", 1024, Refusals());

        var error = Assert.ThrowsAsync<UndecodableMessageException>(() => reader.MoveNext(CancellationToken.None));
        var more = await reader.MoveNext(CancellationToken.None);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Describe(error!), Is.EqualTo((StatusCode.InvalidArgument, "UNDECODABLE_MESSAGE")));
            Assert.That((more, reader.Current), Is.EqualTo((true, "next")));
        }
    }

    [Test]
    public void A_fault_that_is_no_read_failure_passes_through_unchanged_so_it_is_logged_as_a_bug()
    {
        var reader = new GuardedReader<string>(new ScriptedReader([new InvalidOperationException("a bug")]), "/m", 1024, Refusals());

        Assert.ThrowsAsync<InvalidOperationException>(() => reader.MoveNext(CancellationToken.None));
    }

    [Test]
    public void Grpc_s_own_oversize_status_on_a_stream_becomes_a_refusal_with_a_reason()
    {
        var tooLarge = new RpcException(new Status(StatusCode.ResourceExhausted, "Received message exceeds the maximum configured message size."));
        var reader = new GuardedReader<string>(new ScriptedReader([tooLarge]), "/m", 1024, Refusals());

        var error = Assert.ThrowsAsync<RpcException>(() => reader.MoveNext(CancellationToken.None));

        Assert.That(Describe(error!), Is.EqualTo((StatusCode.ResourceExhausted, "MESSAGE_TOO_LARGE")));
    }

    private static RefusalLog Refusals() =>
        new(Microsoft.Extensions.Logging.Abstractions.NullLogger<RefusalLog>.Instance, TimeProvider.System);

    private static InvalidProtocolBufferException Undecodable()
    {
        try
        {
            Google.Protobuf.WellKnownTypes.Empty.Parser.ParseFrom([0x00]);
        }
        catch (InvalidProtocolBufferException e)
        {
            return e;
        }
        throw new InvalidOperationException("a zero tag decoded");
    }

    /// <summary>A request stream that throws or yields each scripted step in turn (null steps are skipped).</summary>
    private sealed class ScriptedReader(object?[] steps) : IAsyncStreamReader<string>
    {
        private int _next;

        public string Current { get; private set; } = "";

        public Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            while (_next < steps.Length)
            {
                switch (steps[_next++])
                {
                    case Exception e:
                        return Task.FromException<bool>(e);
                    case string value:
                        Current = value;
                        return Task.FromResult(true);
                }
            }
            return Task.FromResult(false);
        }
    }
}
