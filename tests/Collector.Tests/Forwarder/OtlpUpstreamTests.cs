using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Status = Grpc.Core.Status;

namespace Collector.Tests.Forwarder;

/// <summary>OtlpUpstream against a real OTLP/gRPC endpoint: tests/Interop/python/otlp_receiver.py on Debian's grpcio.</summary>
public sealed class OtlpUpstreamTests
{
    private const string Node = "edge-7";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly ulong NowUnixNano = (ulong)(Now - DateTimeOffset.UnixEpoch).Ticks * 100;

    [Fact]
    public async Task SendAsync_Batch_ReceiverStoresEveryField()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        using var upstream = Upstream(receiver);
        var full = OtlpLogMapperTests.FullEvent();
        var other = new Event { TimeUnixNano = 5, EventType = "HEARTBEAT", Service = "billing", Severity = Severity.Info };
        var batch = Batch(new SourceRun("device-1", 41) { Events = { full } }, new SourceRun("device-2", 0) { Events = { other } });

        await using var session = await upstream.ConnectAsync(CancellationToken.None);
        var result = await await session.SendAsync(batch, CancellationToken.None);

        Assert.Equal(new DeliveryResult(2, 0, 0, null), result);
        var records = receiver.ReadRecords();
        Assert.Equal(2, records.Count);
        var first = records[0];
        Assert.Equal("checkout", first.GetProperty("resource").GetProperty("service.name").GetString());
        Assert.Equal(Node, first.GetProperty("resource").GetProperty("collector.node.id").GetString());
        Assert.Equal("collector.forwarder", first.GetProperty("scope").GetString());
        Assert.Equal(full.TimeUnixNano, first.GetProperty("time_unix_nano").GetUInt64());
        Assert.Equal(NowUnixNano, first.GetProperty("observed_time_unix_nano").GetUInt64());
        Assert.Equal(13, first.GetProperty("severity_number").GetInt32());
        Assert.Equal("WARN", first.GetProperty("severity_text").GetString());
        Assert.Equal("slow answer", first.GetProperty("body").GetString());
        Assert.Equal(Convert.ToHexStringLower(full.TraceId.ToByteArray()), first.GetProperty("trace_id").GetString());
        Assert.Equal(Convert.ToHexStringLower(full.SpanId.ToByteArray()), first.GetProperty("span_id").GetString());
        var attributes = first.GetProperty("attributes");
        var types = first.GetProperty("attribute_types");
        Assert.Equal("THOUGHT_LATENCY", attributes.GetProperty("event.type").GetString());
        Assert.Equal(812.5, attributes.GetProperty("value").GetDouble());
        Assert.Equal("double", types.GetProperty("value").GetString());
        Assert.Equal(120, attributes.GetProperty("tokens_generated").GetInt64());
        Assert.Equal("int", types.GetProperty("tokens_generated").GetString());
        Assert.Equal("device-1", attributes.GetProperty("telemetry.source.id").GetString());
        Assert.Equal(41, attributes.GetProperty("telemetry.sequence").GetInt64());
        Assert.Equal("device:pixel-7", attributes.GetProperty("telemetry.provenance.origin").GetString());
        Assert.Equal("array", types.GetProperty("telemetry.provenance.path").GetString());
        Assert.Equal(["gateway-2", Node], attributes.GetProperty("telemetry.provenance.path").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("eu", attributes.GetProperty("region").GetString());

        var second = records[1];
        Assert.Equal("billing", second.GetProperty("resource").GetProperty("service.name").GetString());
        Assert.Equal("HEARTBEAT", second.GetProperty("body").GetString());
        Assert.Equal(string.Empty, second.GetProperty("trace_id").GetString());
        Assert.False(second.GetProperty("attributes").TryGetProperty("telemetry.sequence", out _));
    }

    [Fact]
    public async Task SendAsync_PartialSuccess_RejectedCounted()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--reject-per-request", "2");
        using var upstream = Upstream(receiver);
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var result = await await session.SendAsync(Batch(Run("device-1", 1, 5)), CancellationToken.None);

        Assert.Equal(3, result.Accepted);
        Assert.Equal(2, result.Rejected);
        Assert.Equal(0, result.Duplicates);
        Assert.Equal("test receiver rejected 2 records", result.FirstRejection);
        Assert.Equal(3, receiver.ReadRecords().Count);
    }

    [Fact]
    public async Task SendAsync_ManyInFlight_AllDelivered()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        using var upstream = Upstream(receiver);
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var deliveries = new List<Task<DeliveryResult>>();
        for (var b = 0; b < 8; b++)
        {
            deliveries.Add(await session.SendAsync(Batch(Run("device-1", (ulong)(b * 10) + 1, 10)), CancellationToken.None));
        }

        var results = await Task.WhenAll(deliveries);

        Assert.All(results, r => Assert.Equal(10, r.Accepted));
        var sequences = receiver.ReadRecords().Select(r => r.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64()).Order();
        Assert.Equal(Enumerable.Range(1, 80).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task ConnectAsync_Unavailable_UpstreamExceptionUnavailable()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--fail-first", "1");
        using var upstream = Upstream(receiver);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => upstream.ConnectAsync(CancellationToken.None));

        Assert.Equal("unavailable", error.Reason);
        await using var session = await upstream.ConnectAsync(CancellationToken.None);
    }

    [Fact]
    public async Task SendAsync_Unavailable_DeliveryFailsAndSessionEnds()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--fail-first", "1");
        using var upstream = Upstream(receiver, probe: false);
        var batch = Batch(Run("device-1", 1, 3));

        await using (var session = await upstream.ConnectAsync(CancellationToken.None))
        {
            var delivery = await session.SendAsync(batch, CancellationToken.None);

            var error = await Assert.ThrowsAsync<UpstreamException>(() => delivery);
            Assert.Equal("unavailable", error.Reason);
            var next = await Assert.ThrowsAsync<UpstreamException>(async () => await session.SendAsync(batch, CancellationToken.None));
            Assert.Equal("unavailable", next.Reason);
        }

        await using var resumed = await upstream.ConnectAsync(CancellationToken.None);
        var result = await await resumed.SendAsync(batch, CancellationToken.None);

        Assert.Equal(3, result.Accepted);
        Assert.Equal(3, receiver.ReadRecords().Count);
    }

    [Fact]
    public async Task SendAsync_InvalidArgument_RejectedAndSessionGoesOn()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--fail-first", "1", "--fail-code", "INVALID_ARGUMENT");
        using var upstream = Upstream(receiver, probe: false);
        await using var session = await upstream.ConnectAsync(CancellationToken.None);

        var delivery = await session.SendAsync(Batch(Run("device-1", 1, 2)), CancellationToken.None);
        var error = await Assert.ThrowsAsync<UpstreamException>(() => delivery);
        var result = await await session.SendAsync(Batch(Run("device-1", 3, 2)), CancellationToken.None);

        Assert.Equal("rejected", error.Reason);
        Assert.Equal(2, result.Accepted);
    }

    [Fact]
    public async Task ConnectAsync_HeaderRequired_SentFromOptions()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--require-header", "api-key=s3cret");
        using var without = Upstream(receiver);
        using var with = Upstream(receiver, headers: new Dictionary<string, string>(StringComparer.Ordinal) { ["api-key"] = "s3cret" });

        var error = await Assert.ThrowsAsync<UpstreamException>(() => without.ConnectAsync(CancellationToken.None));
        await using var session = await with.ConnectAsync(CancellationToken.None);
        var result = await await session.SendAsync(Batch(Run("device-1", 1, 1)), CancellationToken.None);

        Assert.Equal("unauthenticated", error.Reason);
        Assert.Equal(1, result.Accepted);
    }

    [Fact]
    public async Task ConnectAsync_NothingListening_Transport()
    {
        using var upstream = new OtlpUpstream(
            new OtlpUpstreamOptions { Endpoint = new Uri($"http://127.0.0.1:{FreePort.Next()}"), NodeId = Node },
            TimeProvider.System);

        var error = await Assert.ThrowsAsync<UpstreamException>(() => upstream.ConnectAsync(CancellationToken.None));

        Assert.Equal("transport", error.Reason);
    }

    [Fact]
    public async Task ConnectAsync_EndpointUpAfterSecondsOfRefusedConnects_NextConnectSucceeds()
    {
        var port = FreePort.Next();
        using var upstream = new OtlpUpstream(
            new OtlpUpstreamOptions { Endpoint = new Uri($"http://127.0.0.1:{port}"), NodeId = Node },
            TimeProvider.System);

        // Refused connects for some seconds, spaced as the forwarder's backoff spaces them.
        var away = DateTime.UtcNow + TimeSpan.FromSeconds(8);
        while (DateTime.UtcNow < away)
        {
            var error = await Assert.ThrowsAsync<UpstreamException>(() => upstream.ConnectAsync(CancellationToken.None));
            Assert.Equal("transport", error.Reason);
            await Task.Delay(250);
        }

        await using var receiver = await OtlpReceiverProcess.StartAsync("--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        // When to try again is the forwarder's backoff alone: the channel must not wait out a reconnect backoff of its own.
        await using var session = await upstream.ConnectAsync(CancellationToken.None);
        var result = await await session.SendAsync(Batch(Run("device-1", 1, 2)), CancellationToken.None);
        Assert.Equal(2, result.Accepted);
    }

    [Fact]
    public void Describe_UrlWithCredentials_SchemeHostPortOnly()
    {
        using var upstream = new OtlpUpstream(
            new OtlpUpstreamOptions { Endpoint = new Uri("https://user:secret@otel.example:4317/v1?token=x"), NodeId = Node },
            TimeProvider.System);

        Assert.Equal("otlp https://otel.example:4317", upstream.Describe);
    }

    [Theory]
    [InlineData(null, 10, 10, 0)]
    [InlineData(0L, 10, 10, 0)]
    [InlineData(3L, 10, 7, 3)]
    [InlineData(25L, 10, 0, 10)]
    [InlineData(-1L, 10, 10, 0)]
    public void ToResult_PartialSuccess_AcceptedIsRecordsMinusRejected(long? rejected, int records, int accepted, int expectedRejected)
    {
        var response = new ExportLogsServiceResponse();
        if (rejected is { } count)
        {
            response.PartialSuccess = new ExportLogsPartialSuccess { RejectedLogRecords = count };
        }

        var result = OtlpUpstream.ToResult(response, records);

        Assert.Equal(accepted, result.Accepted);
        Assert.Equal(expectedRejected, result.Rejected);
        Assert.Null(result.FirstRejection);
    }

    [Theory]
    [InlineData(StatusCode.Unavailable, "unavailable")]
    [InlineData(StatusCode.DeadlineExceeded, "deadline")]
    [InlineData(StatusCode.Unauthenticated, "unauthenticated")]
    [InlineData(StatusCode.PermissionDenied, "permission_denied")]
    [InlineData(StatusCode.ResourceExhausted, "resource_exhausted")]
    [InlineData(StatusCode.InvalidArgument, "rejected")]
    [InlineData(StatusCode.Unimplemented, "unimplemented")]
    [InlineData(StatusCode.Cancelled, "cancelled")]
    [InlineData(StatusCode.Internal, "status_internal")]
    [InlineData(StatusCode.FailedPrecondition, "status_failedprecondition")]
    public void ReasonOf_Status_ShortLabel(StatusCode code, string reason)
    {
        Assert.Equal(reason, OtlpFailures.ReasonOf(new RpcException(new Status(code, "x"))));
    }

    [Fact]
    public void ReasonOf_UnavailableWithTransportCause_Transport()
    {
        var exception = new RpcException(new Status(StatusCode.Unavailable, "transport failure", new IOException("reset")));

        Assert.Equal("transport", OtlpFailures.ReasonOf(exception));
    }

    [Fact]
    public void ReasonOf_InternalFromRefusedTlsHandshake_Transport()
    {
        // What the channel makes of a server certificate the handler refuses.
        var handshake = new HttpRequestException("SSL connection could not be established", new System.Security.Authentication.AuthenticationException("remote certificate is invalid"));
        var exception = new RpcException(new Status(StatusCode.Internal, "Error starting gRPC call", handshake));

        Assert.Equal("transport", OtlpFailures.ReasonOf(exception));
    }

    private static OtlpUpstream Upstream(OtlpReceiverProcess receiver, bool probe = true, IReadOnlyDictionary<string, string>? headers = null) =>
        new(
            new OtlpUpstreamOptions
            {
                Endpoint = receiver.Endpoint,
                NodeId = Node,
                ProbeOnConnect = probe,
                CallTimeout = TimeSpan.FromSeconds(20),
                Headers = headers ?? new Dictionary<string, string>(StringComparer.Ordinal),
            },
            new FixedTime(Now));

    private static SourceRun Run(string sourceId, ulong firstSequence, int count)
    {
        var run = new SourceRun(sourceId, firstSequence);
        for (var i = 0; i < count; i++)
        {
            run.Events.Add(Events.Valid(i));
        }

        return run;
    }

    private static ForwardBatch Batch(params SourceRun[] runs)
    {
        var batch = new ForwardBatch();
        batch.Runs.AddRange(runs);
        batch.Events = runs.Sum(r => r.Events.Count);
        return batch;
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
