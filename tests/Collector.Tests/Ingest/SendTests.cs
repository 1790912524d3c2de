using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

public sealed class SendTests : CollectorTest
{
    [Fact]
    public async Task Send_ValidBatch_AckedAfterCommitAndStoredWithSequences()
    {
        var client = Collector.CreateClient();

        var ack = await client.SendAsync(Events.Batch("svc-a", firstSequence: 1, count: 10));

        Assert.Equal("svc-a", ack.SourceId);
        Assert.Equal(10u, ack.Accepted);
        Assert.Equal(0u, ack.Duplicates);
        Assert.Empty(ack.Rejections);
        Assert.Equal(10ul, ack.DurableThrough);
        var stored = await LogContents.ReadAsync(Collector.App.Log);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), stored.Select(e => e.Sequence));
        Assert.Equal(Events.Valid(3), stored[3].Event);
    }

    [Fact]
    public async Task Send_Resend_CountsDuplicatesAndStoresNothingNew()
    {
        var client = Collector.CreateClient();
        await client.SendAsync(Events.Batch("svc-b", 1, 5));

        var overlap = await client.SendAsync(Events.Batch("svc-b", 3, 5));

        Assert.Equal(3u, overlap.Duplicates);
        Assert.Equal(2u, overlap.Accepted);
        Assert.Equal(7ul, overlap.DurableThrough);
        var stored = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.SourceId == "svc-b").ToList();
        Assert.Equal([1ul, 2, 3, 4, 5, 6, 7], stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task UnsequencedBatch_InvalidEvents_RejectionsNameTheirIndexOnSendAndStream()
    {
        var client = Collector.CreateClient();
        var batch = Events.Batch("svc-unsequenced", firstSequence: 0, count: 6);
        batch.Events[2].EventType = "";
        batch.Events[5].Value = double.NaN;

        var sent = await client.SendAsync(batch);

        using var stream = client.Stream();
        await stream.RequestStream.WriteAsync(batch);
        var streamed = await stream.ResponseStream.ReadNextAsync();
        Assert.NotNull(streamed);
        foreach (var ack in new[] { sent, streamed })
        {
            Assert.Equal(4u, ack.Accepted);
            Assert.Equal([2ul, 5ul], ack.Rejections.Select(r => r.Sequence));
        }
    }

    [Fact]
    public async Task Send_InvalidEvents_EachRejectedWithReasonOthersStored()
    {
        var client = Collector.CreateClient();
        var batch = Events.Batch("svc-c", 100, 8);
        batch.Events[1].EventType = "";
        batch.Events[2].Component = new string('x', 300);
        batch.Events[3].TraceId = ByteString.CopyFrom(new byte[5]);
        batch.Events[4].SpanId = ByteString.CopyFrom(new byte[3]);
        batch.Events[5].Value = double.NaN;
        for (var i = 0; i < 129; i++)
        {
            batch.Events[6].Attributes[$"k{i}"] = "v";
        }

        batch.Events[7].Message = new string('m', 70_000);

        var ack = await client.SendAsync(batch);

        Assert.Equal(1u, ack.Accepted);
        Assert.Equal(107ul, ack.DurableThrough);
        var reasons = ack.Rejections.ToDictionary(r => r.Sequence, r => r.Reason);
        Assert.Equal([101ul, 102, 103, 104, 105, 106, 107], reasons.Keys.Order().ToArray());
        Assert.Contains("event_type is empty", reasons[101], StringComparison.Ordinal);
        Assert.Contains("component is 300 characters", reasons[102], StringComparison.Ordinal);
        Assert.Contains("trace_id is 5 bytes", reasons[103], StringComparison.Ordinal);
        Assert.Contains("span_id is 3 bytes", reasons[104], StringComparison.Ordinal);
        Assert.Contains("finite", reasons[105], StringComparison.Ordinal);
        Assert.Contains("132 attributes; the limit is 128", reasons[106], StringComparison.Ordinal);
        Assert.Contains("message is 70000 characters", reasons[107], StringComparison.Ordinal);
        var stored = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.SourceId == "svc-c").ToList();
        Assert.Equal([100ul], stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Send_TimeZero_StoredWithReceiveTime()
    {
        var client = Collector.CreateClient();
        var batch = Events.Batch("svc-d", 0, 2);
        batch.Events[0].TimeUnixNano = 0;
        var before = (ulong)(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000);

        await client.SendAsync(batch);

        var stored = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.SourceId == "svc-d").ToList();
        Assert.Equal(2, stored.Count);
        Assert.InRange(stored[0].Event.TimeUnixNano, before, before + 60_000_000_000UL);
        Assert.Equal(stored[0].ReceivedUnixNano, stored[0].Event.TimeUnixNano);
        Assert.Equal(batch.Events[1].TimeUnixNano, stored[1].Event.TimeUnixNano);
        Assert.All(stored, e => Assert.Equal(0ul, e.Sequence));
    }

    [Fact]
    public async Task Send_BatchLargerThanOneLogEntry_SplitAcrossEntriesAllStoredInOrder()
    {
        // About 3.5 MB: more than three 1 MiB entries' worth.
        var client = Collector.CreateClient();
        var ack = await client.SendAsync(Events.Batch("svc-split", 1, 20_000));

        Assert.Equal(20_000u, ack.Accepted);
        Assert.Equal(20_000ul, ack.DurableThrough);
        var entries = 0;
        await foreach (var record in Collector.App.Log.ReadCommittedAsync(0))
        {
            entries++;
        }

        Assert.True(entries >= 4, $"{entries} entries");
        var stored = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.SourceId == "svc-split").Select(e => e.Sequence);
        Assert.Equal(Enumerable.Range(1, 20_000).Select(i => (ulong)i), stored);
    }

    [Fact]
    public async Task Send_Gzip_Accepted()
    {
        var client = Collector.CreateClient(gzip: true);

        var ack = await client.SendAsync(Events.Batch("svc-gz", 1, 50));

        Assert.Equal(50u, ack.Accepted);
    }

    [Fact]
    public async Task Send_UnknownMethod_Unimplemented()
    {
        var calls = Collector.CreateCallInvoker();

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            calls.AsyncUnaryCall(CollectorMethods.Unary<EventBatch>("Nope"), null, default, new EventBatch()).ResponseAsync);

        Assert.Equal(StatusCode.Unimplemented, error.StatusCode);
    }

    [Fact]
    public async Task Send_MessageOverLimit_ResourceExhaustedAndServerStillHealthy()
    {
        var client = Collector.CreateClient();
        var huge = new EventBatch { SourceId = "svc-big" };
        huge.Events.Add(new Event { EventType = "X", Message = new string('a', 5 * 1024 * 1024) });
        using var channel = GrpcChannel.ForAddress(Collector.GrpcUri, new GrpcChannelOptions { MaxSendMessageSize = 64 * 1024 * 1024 });

        var error = await Assert.ThrowsAsync<RpcException>(() => new TelemetryCollector.CollectorClient(channel).SendAsync(huge).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Contains("exceeds the maximum", error.Status.Detail, StringComparison.Ordinal);
        var ack = await client.SendAsync(Events.Batch("svc-after-big", 1, 1));
        Assert.Equal(1u, ack.Accepted);
    }
}
