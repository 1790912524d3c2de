using System.Net.Sockets;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>
/// Streams whose first message is invalid while the client could go on sending, thousands of them on one HTTP/2
/// connection next to one long-lived valid stream: each must end INVALID_ARGUMENT, the connection must stay, and
/// the valid stream must not notice. Kestrel counts a stream the app has ended while the client still sends until
/// the client ends or resets it (or 5 s pass); too many of those and it answers ENHANCE_YOUR_CALM, then drops the
/// connection.
/// </summary>
public sealed class BadFirstMessageTests : CollectorTest
{
    // BytesValue { value = b } encodes as EventBatch { source_id = b }; 0xFF 0xFE is not UTF-8, so not an EventBatch.
    private static readonly BytesValue BadBatch = new() { Value = ByteString.CopyFrom(0xFF, 0xFE) };

    [Fact]
    public async Task Grpcio_3000BadStreamsOnOneConnection_EachInvalidArgument_ValidStreamUnharmed()
    {
        var result = await PythonPeer.RunClientAsync(
            "client-bad-streams", "--target", Collector.GrpcTarget, "--source", "py-calm", "--streams", "3000", "--concurrency", "16", "--extra", "2", "--timeout", "50");

        var codes = result.GetProperty("bad_codes");
        Assert.True(codes.EnumerateObject().Count() == 1 && codes.TryGetProperty("INVALID_ARGUMENT", out var invalid) && invalid.GetInt32() == 3000, result.ToString());
        var valid = result.GetProperty("valid");
        Assert.Equal("OK", valid.GetProperty("code").GetString());
        Assert.Equal(valid.GetProperty("sent").GetInt32(), valid.GetProperty("acks").GetInt32());
        Assert.Equal(valid.GetProperty("sent").GetInt32(), valid.GetProperty("accepted").GetInt32());
    }

    [Fact]
    public async Task GrpcDotnet_2000BadStreamsOnOneConnection_EachInvalidArgument_ConnectionKept()
    {
        var connections = 0;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref connections);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        };
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri, new GrpcChannelOptions { HttpHandler = handler });
        var calls = channel.CreateCallInvoker();
        using var valid = new TelemetryCollector.CollectorClient(calls).Stream();
        var validSent = 0;
        await valid.RequestStream.WriteAsync(Events.Batch("calm-valid", 1, 1));
        validSent++;
        Assert.NotNull(await valid.ResponseStream.ReadNextAsync());

        var codes = new System.Collections.Concurrent.ConcurrentDictionary<StatusCode, int>();
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < 2000)
            {
                var code = await RunBadStreamAsync(calls);
                codes.AddOrUpdate(code, 1, (_, n) => n + 1);
            }
        })).ToArray();
        while (!Task.WhenAll(workers).IsCompleted)
        {
            validSent++;
            await valid.RequestStream.WriteAsync(Events.Batch("calm-valid", (ulong)validSent, 1));
            var ack = await valid.ResponseStream.ReadNextAsync();
            Assert.Equal((ulong)validSent, ack!.DurableThrough);
            await Task.Delay(20);
        }

        await Task.WhenAll(workers);
        await valid.RequestStream.CompleteAsync();
        Assert.Null(await valid.ResponseStream.ReadNextAsync());
        Assert.Equal([(StatusCode.InvalidArgument, 2000)], codes.Select(c => (c.Key, c.Value)));
        Assert.Equal(1, connections);
    }

    /// <summary>
    /// One bad stream: the bad first message, then the request side left open (neither ended nor written to), so the
    /// server ends a call whose client still could send. It writes no more: grpc-dotnet resets its side the moment
    /// the status arrives, and a write racing that can go out as a DATA frame after its own RST_STREAM (seen here
    /// about one run in three), which Kestrel answers by closing the whole connection. The grpcio test above is
    /// the one that goes on sending.
    /// </summary>
    private static async Task<StatusCode> RunBadStreamAsync(CallInvoker calls)
    {
        using var call = calls.AsyncDuplexStreamingCall(CollectorMethods.Stream<BytesValue>(), null, default);
        try
        {
            await call.RequestStream.WriteAsync(BadBatch);
            while (await call.ResponseStream.ReadNextAsync() is not null)
            {
            }

            return StatusCode.OK;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }
}
