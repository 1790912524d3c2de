using Collector.Host.Grpc;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Ingest;

/// <summary>
/// Frames the raw-frame fuzzer (Torture/RawRequestFuzzTests) found answered UNKNOWN on unary calls and INTERNAL
/// "internal error; see the collector's log" on streams: a compressed flag other than 0 or 1, a length prefix of 2 GiB
/// or more, gzip bytes that do not inflate. Each now gets its documented status on every way in, nothing of it is
/// stored, and the collector goes on serving.
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
    public async Task CompressedFlagTwo_Internal_UnexpectedFlag(string method)
    {
        byte[] frame = [
            0x02,                   // compressed flag: neither 0 nor 1
            0x00, 0x00, 0x00, 0x01, // length 1
            0x00,                   // the message
        ];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, frame);

        Assert.Equal(("13", FrameHeaderCheck.BadFlagMessage), (response.GrpcStatus, response.GrpcMessage));
        await AssertNothingStoredAndStillServesAsync();
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedFlagFF_AfterAGoodFrame_Internal_GoodOneAckedOnStreamOnly(string method)
    {
        var good = RawGrpc.Frame(method.EndsWith("/Export", StringComparison.Ordinal) ? [] : Events.Batch("flag-ff", 0, 2).ToByteArray());
        byte[] bad = [
            0xFF,                   // compressed flag
            0x00, 0x00, 0x00, 0x00, // length 0
        ];

        var response = await RawGrpc.PostAsync(Collector.GrpcUri, method, [.. good, .. bad]);

        Assert.Equal("13", response.GrpcStatus);
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
            // A unary call reads its whole body first: grpc-dotnet finds data after the message, or the check the flag.
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
