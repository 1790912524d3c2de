using System.Net.Sockets;
using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Collector.Tests.Ingest;

/// <summary>
/// Streams whose first message is invalid while the client goes on sending, thousands of them on one HTTP/2
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
    public async Task GrpcClient_2000BadStreamsOnOneConnection_EachInvalidArgument_ConnectionKept()
    {
        var connections = 0;
        var grpc = new GrpcClient(new GrpcClientOptions
        {
            Address = Collector.GrpcUri,
            ConfigureHandler = handler =>
            {
                handler.EnableMultipleHttp2Connections = false;
                handler.ConnectCallback = async (context, cancellationToken) =>
                {
                    Interlocked.Increment(ref connections);
                    var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                };
            },
        });
        using var _ = grpc;
        var client = new CollectorClient(grpc);
        await using var valid = client.OpenStream();
        var validSent = 0;
        await valid.WriteAsync(Events.Batch("calm-valid", 1, 1));
        validSent++;
        Assert.NotNull(await valid.ReadNextAsync());

        var codes = new System.Collections.Concurrent.ConcurrentDictionary<GrpcStatusCode, int>();
        var next = -1;
        var workers = Enumerable.Range(0, 16).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < 2000)
            {
                var code = await RunBadStreamAsync(grpc);
                codes.AddOrUpdate(code, 1, (_, n) => n + 1);
            }
        })).ToArray();
        while (!Task.WhenAll(workers).IsCompleted)
        {
            validSent++;
            await valid.WriteAsync(Events.Batch("calm-valid", (ulong)validSent, 1));
            var ack = await valid.ReadNextAsync();
            Assert.Equal((ulong)validSent, ack!.DurableThrough);
            await Task.Delay(20);
        }

        await Task.WhenAll(workers);
        await valid.CompleteRequestsAsync();
        Assert.Null(await valid.ReadNextAsync());
        Assert.Equal([(GrpcStatusCode.InvalidArgument, 2000)], codes.Select(c => (c.Key, c.Value)));
        Assert.Equal(1, connections);
    }

    private static async Task<GrpcStatusCode> RunBadStreamAsync(GrpcClient grpc)
    {
        await using var call = grpc.StartDuplex<BytesValue, Ack>(CollectorClient.StreamMethod, Ack.Parser);
        try
        {
            await call.WriteAsync(BadBatch);
            for (var i = 0; i < 2; i++)
            {
                // The client does not know yet that the call is over: it goes on sending.
                await call.WriteAsync(new BytesValue { Value = ByteString.CopyFromUtf8("calm-more") });
            }

            while (await call.ReadNextAsync() is not null)
            {
            }

            return GrpcStatusCode.OK;
        }
        catch (GrpcStatusException ex)
        {
            return ex.StatusCode;
        }
    }
}
