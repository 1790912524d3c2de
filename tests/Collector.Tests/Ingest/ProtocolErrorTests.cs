using System.Net;
using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Ingest;

/// <summary>Requests a good client never sends: each gets the status the protocol prescribes, and nothing else breaks.</summary>
public sealed class ProtocolErrorTests : CollectorTest
{
    private const string Send = "/telemetry.v1.Collector/Send";
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
    public async Task Send_LengthPrefixPromisesMoreThanArrives_Internal()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0x0A, 0x01, (byte)'a'], declaredLength: 100));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("incomplete", response.GrpcMessage, StringComparison.OrdinalIgnoreCase);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_CompressedFlagWithoutGrpcEncoding_Internal()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(Events.Batch("s", 1, 1).ToByteArray(), compressed: true));

        Assert.Equal("13", response.GrpcStatus);
        Assert.Contains("did not include grpc-encoding", response.GrpcMessage, StringComparison.Ordinal);
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
        var bomb = new System.Buffers.ArrayBufferWriter<byte>();
        GrpcGzip.Compress(new byte[8 * 1024 * 1024], bomb);

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(bomb.WrittenSpan.ToArray(), compressed: true), headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal("8", response.GrpcStatus);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/json")]
    [InlineData(null)]
    public async Task Send_WrongContentType_Http415(string? contentType)
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([]), contentType);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.HttpStatus);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Send_ContentTypeGrpcProto_Accepted()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame(Events.Batch("proto-ct", 1, 1).ToByteArray()), "application/grpc+proto");

        Assert.Equal("0", response.GrpcStatus);
    }

    [Fact]
    public async Task Send_TwoMessagesOnUnary_Internal()
    {
        var one = RawGrpc.Frame(Events.Batch("two", 1, 1).ToByteArray());

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, [.. one, .. one]);

        Assert.Equal("13", response.GrpcStatus);
    }

    [Fact]
    public async Task Stream_ServerEnforcesGrpcTimeout_DeadlineExceededInTrailers()
    {
        // Only the header, no client-side timer: what ends the call is the server's deadline.
        var client = Collector.CreateClient();
        var options = new GrpcCallOptions { Headers = new Dictionary<string, string> { ["grpc-timeout"] = "2S" } };
        await using var call = client.OpenStream(options);
        await call.WriteAsync(Events.Batch("deadline-server", 1, 1));
        Assert.NotNull(await call.ReadNextAsync());

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        await AssertStillServesAsync();
    }

    [Fact]
    public async Task Stream_ClientDeadline_DeadlineExceeded()
    {
        var client = Collector.CreateClient();
        await using var call = client.OpenStream(new GrpcCallOptions { Timeout = TimeSpan.FromSeconds(2) });
        await call.WriteAsync(Events.Batch("deadline-client", 1, 1));
        Assert.NotNull(await call.ReadNextAsync());

        var error = await Assert.ThrowsAsync<GrpcStatusException>(async () => await call.ReadNextAsync());

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.StatusCode);
        await AssertStillServesAsync();
    }

    private async Task AssertStillServesAsync()
    {
        var ack = await Collector.CreateClient().SendAsync(Events.Batch($"after-{Guid.NewGuid():N}", 1, 3));
        Assert.Equal(3u, ack.Accepted);
    }
}
