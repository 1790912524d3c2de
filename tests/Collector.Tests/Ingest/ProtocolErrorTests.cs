using System.IO.Compression;
using System.Net;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>Requests a good client never sends: each gets the status the protocol prescribes, and nothing else breaks.</summary>
public sealed class ProtocolErrorTests : CollectorTest
{
    private const string Send = "/telemetry.v1.Collector/Send";
    private const string Stream = "/telemetry.v1.Collector/Stream";

    [Fact]
    public async Task Send_GarbageMessage_InvalidArgumentAndNothingStored()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0xFF, 0xFF, 0xFF, 0xFF]));

        Assert.Equal(HttpStatusCode.OK, response.HttpStatus);
        Assert.Equal("3", response.GrpcStatus);
        Assert.Contains("not a valid EventBatch", response.GrpcMessage, StringComparison.Ordinal);
        Assert.True(response.TrailersOnly);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_EventThatIsNotAnEvent_InvalidArgumentNamingTheEvent()
    {
        // EventBatch { events: [ bytes 0x0A 0x05 'a' ] } -- the event claims a 5-byte string but holds 1 byte.
        byte[] batch = [0x1A, 0x03, 0x0A, 0x05, (byte)'a'];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(batch));

        Assert.Equal("3", response.GrpcStatus);
        Assert.Contains("events[0]", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_ZeroLengthMessage_EmptyBatchAcked()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([]));

        Assert.Equal("0", response.GrpcStatus);
        var ack = Ack.Parser.ParseFrom(response.Body.AsSpan(5));
        Assert.Equal(0u, ack.Accepted);
    }

    [Fact]
    public async Task Send_LengthPrefixPromisesMoreThanArrives_InvalidArgument()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0x0A, 0x01, (byte)'a'], declaredLength: 100));

        Assert.Equal(("3", Host.Grpc.FrameHeaderCheck.CutMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_CompressedFlagWithoutGrpcEncoding_InvalidArgument()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(Events.Batch("s", 1, 1).ToByteArray(), compressed: true));

        Assert.Equal(("3", Host.Grpc.FrameHeaderCheck.NoEncodingMessage), (response.GrpcStatus, response.GrpcMessage));
    }

    [Fact]
    public async Task Send_MessageCompressedWithUnsupportedGrpcEncoding_UnimplementedListingSupported()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0x01], compressed: true), headers: new Dictionary<string, string> { ["grpc-encoding"] = "snappy" });

        Assert.Equal("12", response.GrpcStatus);
        Assert.Contains("gzip", response.GrpcMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Send_GzipBomb_ResourceExhausted()
    {
        var bomb = Gzip(new byte[8 * 1024 * 1024]);

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(bomb, compressed: true), headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal("8", response.GrpcStatus);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Send_WrongContentType_Http415(string? contentType)
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([]), contentType);

        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "3"), (response.HttpStatus, response.GrpcStatus));
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("application/grpc+proto")]
    [InlineData("application/grpc; charset=utf-8")]
    public async Task Send_GrpcContentTypeWithSuffixOrParameter_Accepted(string contentType)
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(Events.Batch("proto-ct", 1, 1).ToByteArray()), contentType);

        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Send_TwoMessagesOnUnary_InvalidArgument()
    {
        var one = RawGrpc.Frame(Events.Batch("two", 1, 1).ToByteArray());

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, [.. one, .. one]);

        Assert.Equal(("3", Host.Grpc.FrameHeaderCheck.SecondMessage), (response.GrpcStatus, response.GrpcMessage));
    }

    [Theory]
    [InlineData("2S")]
    [InlineData("1500m")]
    [InlineData("1500000u")]
    public async Task Stream_ServerEnforcesGrpcTimeout_EndsAtTheDeadline(string timeout)
    {
        // Only the header, no client-side timer (grpc-dotnet would set one with a deadline): what ends the call is the
        // server's deadline. The server sends DEADLINE_EXCEEDED and then resets the stream, as gRPC's HTTP/2 protocol
        // says; a client without a deadline of its own may see the reset first (CANCELLED), one with a deadline turns
        // that into DEADLINE_EXCEEDED (Stream_ClientDeadline_DeadlineExceeded).
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri, new GrpcChannelOptions { HttpHandler = new GrpcTimeoutHeader(timeout) });
        using var call = new TelemetryCollector.CollectorClient(channel).Stream();
        var started = System.Diagnostics.Stopwatch.StartNew();
        await call.RequestStream.WriteAsync(Events.Batch("deadline-server", 1, 1));
        Assert.NotNull(await call.ResponseStream.ReadNextAsync());

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadNextAsync());

        Assert.Contains(error.StatusCode, new[] { StatusCode.DeadlineExceeded, StatusCode.Cancelled });
        Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(1.4), TimeSpan.FromSeconds(10));
        await AssertStillServesAsync();
    }

    [Theory]
    [InlineData("10")]
    [InlineData("1x")]
    [InlineData("-1S")]
    [InlineData("S")]
    public async Task Send_MalformedGrpcTimeout_IgnoredAndAcked(string timeout)
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(Events.Batch("bad-timeout", 1, 1).ToByteArray()), headers: new Dictionary<string, string> { ["grpc-timeout"] = timeout });

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal(1u, Ack.Parser.ParseFrom(response.Body.AsSpan(5)).Accepted);
    }

    [Fact]
    public async Task Stream_ClientDeadline_DeadlineExceeded()
    {
        using var call = Collector.CreateClient().Stream(deadline: DateTime.UtcNow.AddSeconds(2));

        await AssertAckedThenDeadlineExceededAsync(call, "deadline-client");
    }

    [Fact]
    public async Task Send_FrameArrivesOneByteAtATime_WholeBatchAcked()
    {
        // Header and message split across as many DATA frames as they have bytes.
        var body = new TrickledContent(RawGrpc.Frame(Events.Batch("trickled", 1, 3).ToByteArray()));

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, body);

        Assert.Equal("0", response.GrpcStatus);
        var ack = Ack.Parser.ParseFrom(Assert.Single(RawGrpc.Messages(response.Body)));
        Assert.Equal((3u, 3ul), (ack.Accepted, ack.DurableThrough));
    }

    [Fact]
    public async Task Stream_TwoFramesInOneWrite_BothAckedInOrder()
    {
        byte[] body = [.. RawGrpc.Frame(Events.Batch("two-frames", 1, 2).ToByteArray()), .. RawGrpc.Frame(Events.Batch("two-frames", 3, 2).ToByteArray())];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Stream, body);

        Assert.Equal("0", response.GrpcStatus);
        Assert.Equal([2ul, 4ul], RawGrpc.Messages(response.Body).Select(m => Ack.Parser.ParseFrom(m).DurableThrough));
    }

    [Fact]
    public async Task Send_BodyEndsInsideTheLengthPrefix_InvalidArgument()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, [0x00, 0x00, 0x00]);

        Assert.Equal(("3", Host.Grpc.FrameHeaderCheck.CutMessage), (response.GrpcStatus, response.GrpcMessage));
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_LengthPrefixOverTheLimit_ResourceExhaustedBeforeTheBodyArrives()
    {
        // Only the 5-byte prefix, declaring one byte more than the limit; the message never comes.
        var body = new HeldOpenContent(RawGrpc.Frame([], declaredLength: Collector.App.Options.MaxReceiveMessageBytes + 1));

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, body);

        Assert.Equal("8", response.GrpcStatus);
        Assert.False(body.HeldToTheEnd, $"answered only after the body stayed open {HeldOpenContent.HoldFor}");
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_StatusMessageWithPercent_PercentEncodedInGrpcMessage()
    {
        // An encoding the collector cannot decode, with a '%' the refusal repeats: on the wire as %25 (and so back).
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0x00], compressed: true), headers: new Dictionary<string, string> { ["grpc-encoding"] = "x-100%" });

        Assert.Equal("12", response.GrpcStatus);
        Assert.True(response.TrailersOnly);
        Assert.Contains("x-100%25", response.EncodedGrpcMessage, StringComparison.Ordinal);
        Assert.Contains("x-100%", response.GrpcMessage, StringComparison.Ordinal);
    }

    /// <summary>A batch acknowledged, then nothing until the deadline ends the call; the collector goes on serving.</summary>
    private async Task AssertAckedThenDeadlineExceededAsync(AsyncDuplexStreamingCall<EventBatch, Ack> call, string source)
    {
        await call.RequestStream.WriteAsync(Events.Batch(source, 1, 1));
        Assert.NotNull(await call.ResponseStream.ReadNextAsync());

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadNextAsync());

        Assert.Equal(StatusCode.DeadlineExceeded, error.StatusCode);
        await AssertStillServesAsync();
    }

    private async Task AssertStillServesAsync()
    {
        var ack = await Collector.CreateClient().SendAsync(Events.Batch($"after-{Guid.NewGuid():N}", 1, 3));
        Assert.Equal(3u, ack.Accepted);
    }

    private static byte[] Gzip(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return buffer.ToArray();
    }

    /// <summary>Sends grpc-timeout on every request itself, so the client keeps no deadline of its own.</summary>
    private sealed class GrpcTimeoutHeader(string timeout) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
            return base.SendAsync(request, cancellationToken);
        }
    }
}
