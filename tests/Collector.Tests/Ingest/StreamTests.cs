using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Collector.Tests.Ingest;

public sealed class StreamTests : CollectorTest
{
    [Fact]
    public async Task Stream_ConcurrentStreams_EveryAckInOrderAndCoveredByCommit()
    {
        const int streams = 8;
        const int batches = 40;
        const int perBatch = 100;
        var log = Collector.App.Log;

        async Task RunStreamAsync(int s)
        {
            var client = Collector.CreateClient();
            using var call = client.Stream();
            var source = $"stream-{s}";
            var writer = Task.Run(async () =>
            {
                for (var b = 0; b < batches; b++)
                {
                    await call.RequestStream.WriteAsync(Events.Batch(source, (ulong)(b * perBatch) + 1, perBatch));
                }

                await call.RequestStream.CompleteAsync();
            });

            var expected = (ulong)perBatch;
            await foreach (var ack in call.ResponseStream.ReadAllAsync())
            {
                // An ack is sent only after the commit covering its batch.
                Assert.True(log.CommittedUntilAddress > 0);
                Assert.Equal(source, ack.SourceId);
                Assert.Equal(expected, ack.DurableThrough);
                Assert.Equal((uint)perBatch, ack.Accepted);
                expected += perBatch;
            }

            await writer;
            Assert.Equal((ulong)(batches * perBatch) + perBatch, expected);
            Assert.Equal(StatusCode.OK, call.GetStatus().StatusCode);
        }

        await Task.WhenAll(Enumerable.Range(0, streams).Select(RunStreamAsync));

        var stored = await LogContents.ReadAsync(log);
        Assert.Equal(streams * batches * perBatch, stored.Count);
        foreach (var group in stored.GroupBy(e => e.SourceId))
        {
            Assert.Equal(Enumerable.Range(1, batches * perBatch).Select(i => (ulong)i), group.Select(e => e.Sequence));
        }
    }

    [Fact]
    public async Task Stream_TwoStreamsOfOneSourceRaceTheSameSequences_EachStoredOnce()
    {
        var client = Collector.CreateClient();

        async Task<(uint Accepted, uint Duplicates)> SendAllAsync()
        {
            using var call = client.Stream();
            uint accepted = 0, duplicates = 0;
            var reading = Task.Run(async () =>
            {
                await foreach (var ack in call.ResponseStream.ReadAllAsync())
                {
                    accepted += ack.Accepted;
                    duplicates += ack.Duplicates;
                }
            });
            for (var b = 0; b < 50; b++)
            {
                await call.RequestStream.WriteAsync(Events.Batch("shared-source", (ulong)(b * 20) + 1, 20));
            }

            await call.RequestStream.CompleteAsync();
            await reading;
            return (accepted, duplicates);
        }

        var results = await Task.WhenAll(SendAllAsync(), SendAllAsync());

        Assert.Equal(1000u, results.Sum(r => r.Accepted));
        Assert.Equal(1000u, results.Sum(r => r.Duplicates));
        var stored = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.SourceId == "shared-source").Select(e => e.Sequence).Order();
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (ulong)i), stored);
    }

    [Fact]
    public async Task Stream_BadBatchMidStream_EarlierAcksDeliveredThenInvalidArgument()
    {
        // BytesValue { value = b } encodes exactly as EventBatch { source_id = b }: valid UTF-8 is a good
        // (empty) batch, 0xFF 0xFE is not an EventBatch at all.
        using var call = Collector.CreateCallInvoker().AsyncDuplexStreamingCall(CollectorMethods.Stream<BytesValue>(), null, default);
        await call.RequestStream.WriteAsync(new BytesValue { Value = ByteString.CopyFromUtf8("mid-bad") });
        await call.RequestStream.WriteAsync(new BytesValue { Value = ByteString.CopyFrom(0xFF, 0xFE) });

        var first = await call.ResponseStream.ReadNextAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.ReadNextAsync());

        Assert.Equal("mid-bad", first!.SourceId);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("UTF-8", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stream_ClientCancels_ServerKeepsServingOthers()
    {
        var client = Collector.CreateClient();
        var call = client.Stream();
        await call.RequestStream.WriteAsync(Events.Batch("cancel-me", 1, 10));
        Assert.NotNull(await call.ResponseStream.ReadNextAsync());

        call.Dispose();

        var ack = await client.SendAsync(Events.Batch("cancel-me", 11, 10));
        Assert.Equal(10u, ack.Accepted);
        Assert.Equal(20ul, ack.DurableThrough);
    }
}
