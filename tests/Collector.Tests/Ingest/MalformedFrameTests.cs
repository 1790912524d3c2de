using Collector.Host.Grpc;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;

namespace Collector.Tests.Ingest;

/// <summary>
/// Frames the raw-frame fuzzer (Torture/RawRequestFuzzTests) found answered UNKNOWN on unary calls and INTERNAL
/// "internal error; see the collector's log" on streams: a compressed flag other than 0 or 1, a length prefix of 2 GiB
/// or more, gzip bytes that do not inflate; and the framing faults grpc-dotnet answers INTERNAL (counted as the
/// collector's own failure): a frame cut short, a compressed message on a call without grpc-encoding, a second message
/// on a unary call. Each now gets its documented client error on every way in, nothing of it is stored, nothing is
/// counted in collector_errors_total, and the collector goes on serving.
/// </summary>
public sealed class MalformedFrameTests : CollectorTest
{
    public static TheoryData<string> Methods => new()
    {
        "/telemetry.v1.Collector/Send",
        "/telemetry.v1.Collector/Stream",
        "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
    };

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedFlagTwo_InvalidArgument_UnexpectedFlag(string method)
    {
        byte[] frame = [
            0x02,                   // compressed flag: neither 0 nor 1
            0x00, 0x00, 0x00, 0x01, // length 1
            0x00,                   // the message
        ];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, frame);

        Assert.Equal(("3", FrameHeaderCheck.BadFlagMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedFlagFF_AfterAGoodFrame_InvalidArgument_GoodOneAckedOnStreamOnly(string method)
    {
        var good = RawGrpc.Frame(method.EndsWith("/Export", StringComparison.Ordinal) ? [] : Events.Batch("flag-ff", 0, 2).ToByteArray());
        byte[] bad = [
            0xFF,                   // compressed flag
            0x00, 0x00, 0x00, 0x00, // length 0
        ];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, [.. good, .. bad]);

        Assert.Equal("3", response.GrpcStatus);
        var acks = RawGrpc.Messages(response.Body);
        if (method.EndsWith("/Stream", StringComparison.Ordinal))
        {
            // The stream's first batch was ingested before the bad header arrived: its Ack comes first, and it is stored.
            Assert.Equal(FrameHeaderCheck.BadFlagMessage, response.GrpcMessage);
            Assert.Equal(2u, Ack.Parser.ParseFrom(Assert.Single(acks)).Accepted);
            Assert.Equal(2, (await LogContents.ReadAsync(Collector.App.Log)).Count);
        }
        else
        {
            // A unary call takes one message: what follows it is refused before the first is ingested.
            Assert.Equal(FrameHeaderCheck.SecondMessage, response.GrpcMessage);
            Assert.Empty(acks);
            Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task LengthPrefixOfTwoGibibytes_ResourceExhausted(string method)
    {
        byte[] header = [
            0x00,                   // not compressed
            0x80, 0x00, 0x00, 0x00, // length 2^31: past int.MaxValue, where grpc-dotnet threw a plain IOException
        ];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, [.. header, 0x0A, 0x00]);

        Assert.Equal(("8", FrameHeaderCheck.TooLargeMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task GzipThatDoesNotInflate_InvalidArgument(string method)
    {
        var gzip = Compress(Events.Batch("bad-gzip", 1, 3).ToByteArray());
        gzip[12] ^= 0xFF; // inside the deflate data, past the 10-byte gzip header

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, RawGrpc.Frame(gzip, compressed: true), headers: new Dictionary<string, string> { ["grpc-encoding"] = "gzip" });

        Assert.Equal("3", response.GrpcStatus);
        Assert.StartsWith("the message is not valid gzip", response.GrpcMessage, StringComparison.Ordinal);
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task FrameCutShort_InvalidArgument_NotACollectorError(string method)
    {
        var frame = RawGrpc.Frame(method.EndsWith("/Export", StringComparison.Ordinal) ? [] : Events.Batch("cut", 1, 2).ToByteArray());

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, frame.AsSpan(0, frame.Length - 1).ToArray());

        Assert.Equal(("3", FrameHeaderCheck.CutMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
        Assert.Equal(0, Collector.App.Services.GetRequiredService<Collector.Host.Metrics.RequestMetrics>().GrpcInternalErrors);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedMessageWithoutGrpcEncoding_InvalidArgument(string method)
    {
        byte[] frame = [0x01, 0x00, 0x00, 0x00, 0x01, 0x00];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, frame);

        Assert.Equal(("3", FrameHeaderCheck.NoEncodingMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [InlineData("/telemetry.v1.Collector/Send")]
    [InlineData("/opentelemetry.proto.collector.logs.v1.LogsService/Export")]
    public async Task TwoMessagesOnAUnaryCall_InvalidArgument(string method)
    {
        var frame = RawGrpc.Frame(method.EndsWith("/Export", StringComparison.Ordinal) ? [] : Events.Batch("two", 1, 2).ToByteArray());

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, [.. frame, .. frame]);

        Assert.Equal(("3", FrameHeaderCheck.SecondMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [InlineData("/telemetry.v1.Collector/Send")]
    [InlineData("/opentelemetry.proto.collector.logs.v1.LogsService/Export")]
    public async Task NoMessageOnAUnaryCall_InvalidArgument(string method)
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, []);

        Assert.Equal(("3", FrameHeaderCheck.NoMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    /// <summary>
    /// Found by the raw-frame fuzzer: grpc-dotnet answers an encoding it lacks by setting grpc-accept-encoding, which
    /// threw "Headers are read-only" on a stream whose first Ack had gone (INTERNAL, a collector failure logged).
    /// </summary>
    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedMessageInAnEncodingThereIsNot_OnAStreamAfterAGoodFrame_Unimplemented(string method)
    {
        // A unary call's one message is the compressed one; a stream's comes after a good one.
        var stream = method.EndsWith("/Stream", StringComparison.Ordinal);
        var good = stream ? RawGrpc.Frame(Events.Batch("gzip-upper", 0, 2).ToByteArray()) : [];
        byte[] compressed = [0x01, 0x00, 0x00, 0x00, 0x01, 0x00];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, [.. good, .. compressed], headers: new Dictionary<string, string> { ["grpc-encoding"] = "GZIP" });

        Assert.Equal("12", response.GrpcStatus);
        Assert.Contains("'GZIP' is not supported", response.GrpcMessage, StringComparison.Ordinal);
        Assert.Equal(0, Collector.App.Services.GetRequiredService<Collector.Host.Metrics.RequestMetrics>().GrpcInternalErrors);
        if (stream)
        {
            Assert.Equal(2u, Ack.Parser.ParseFrom(Assert.Single(RawGrpc.Messages(response.Body))).Accepted);
        }
    }

    private async Task AssertNothingStoredAndStillServesAsync()
    {
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
        var ack = await Collector.CreateClient().SendAsync(Events.Batch($"after-{Guid.NewGuid():N}", 1, 3));
        Assert.Equal(3u, ack.Accepted);
    }

    private static byte[] Compress(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest))
        {
            gzip.Write(plain);
        }

        return buffer.ToArray();
    }
}
