using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.GeneratedClient;

/// <summary>
/// The generated Collector.CollectorClient over a GrpcChannel against a real collector: our statuses and messages
/// reach it as <see cref="RpcException"/>s, and what the collector refuses leaves nothing in its log.
/// </summary>
public sealed class GeneratedClientStatusTests : CollectorTest, IDisposable
{
    // grpc-dotnet's switch for compressing the messages of a call (gzip is built in).
    private static readonly Metadata Gzip = new() { { "grpc-internal-encoding-request", "gzip" } };
    private GrpcChannel? _channel;

    private TelemetryCollector.CollectorClient Client => new(_channel ??= GrpcChannel.ForAddress(Collector.GrpcUri));

    public void Dispose() => _channel?.Dispose();

    [Fact]
    public async Task Send_SourceIdOverLimit_InvalidArgumentWithOurMessage()
    {
        var batch = Events.Batch(new string('s', 300), firstSequence: 1, count: 3);

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.SendAsync(batch).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("source_id is 300 bytes; the limit is 256", error.Status.Detail);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
    }

    [Fact]
    public async Task Stream_BadBatchAfterGoodOne_AckOfTheGoodOneThenInvalidArgument()
    {
        using var call = Client.Stream();

        // Both written before anything is read: the Ack of the first must still come before the status.
        await call.RequestStream.WriteAsync(Events.Batch("generated-stream", firstSequence: 1, count: 10));
        await call.RequestStream.WriteAsync(Events.Batch("generated-stream", firstSequence: ulong.MaxValue, count: 2));

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(10u, call.ResponseStream.Current.Accepted);
        Assert.Equal(10ul, call.ResponseStream.Current.DurableThrough);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("first_sequence plus the number of events overflows uint64", error.Status.Detail);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (ulong)i), (await LogContents.ReadAsync(Collector.App.Log)).Select(e => e.Sequence));
    }

    [Fact]
    public async Task Send_Gzip_Stored()
    {
        var ack = await Client.SendAsync(Events.Batch("generated-gzip", firstSequence: 1, count: 100), Gzip);

        Assert.Equal(100u, ack.Accepted);
        Assert.Equal(100, (await LogContents.ReadAsync(Collector.App.Log)).Count);
    }

    [Fact]
    public async Task Send_GzipOverReceiveLimitOnceInflated_ResourceExhaustedNothingStored()
    {
        // About 6 MiB of repeated text (over the 4 MiB default), a few KiB once compressed.
        var batch = Events.Batch("generated-inflated", firstSequence: 1, count: 100);
        foreach (var e in batch.Events)
        {
            e.Message = new string('a', 60 * 1024);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Client.SendAsync(batch, Gzip).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
        Assert.Empty(await LogContents.ReadAsync(Collector.App.Log));
    }
}
