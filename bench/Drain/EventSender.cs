using System.Diagnostics;
using Collector.Protocol.Telemetry.V1;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Bench.Drain;

/// <summary>Sends test events (about 150 bytes, three attributes) the way the load tool does: one stream per source, acks read as they come.</summary>
internal static class EventSender
{
    /// <summary>Sends <paramref name="perSource"/> events from each of <paramref name="sources"/> sources; returns the seconds until the last ack.</summary>
    public static async Task<double> SendAsync(Uri target, int sources, int perSource, int batchSize = 500)
    {
        var time = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var prepared = Enumerable.Range(0, sources).Select(s => Enumerable.Range(0, perSource / batchSize).Select(b =>
        {
            var batch = new EventBatch { SourceId = $"backlog-{s}", FirstSequence = (ulong)(b * batchSize) + 1 };
            batch.Events.AddRange(Enumerable.Range(b * batchSize, batchSize).Select(i => SampleEvents.Inference(i, time + (ulong)i)));
            return batch;
        }).ToList()).ToList();

        using var channel = GrpcChannel.ForAddress(target);
        var client = new TelemetryCollector.CollectorClient(channel);
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(prepared.Select(batches => StreamAsync(client, batches)));
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Sends small batches of a new source at a steady rate until cancelled, each event stamped with its send time.</summary>
    public static async Task<int> SendLiveAsync(Uri target, string sourceId, double eventsPerSecond, CancellationToken stop)
    {
        using var channel = GrpcChannel.ForAddress(target);
        var client = new TelemetryCollector.CollectorClient(channel);
        const int BatchSize = 10;
        var interval = TimeSpan.FromSeconds(BatchSize / eventsPerSecond);
        ulong sequence = 1;
        while (!stop.IsCancellationRequested)
        {
            var batch = new EventBatch { SourceId = sourceId, FirstSequence = sequence };
            var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            batch.Events.AddRange(Enumerable.Range(0, BatchSize).Select(i => SampleEvents.Inference(i, now)));
            await client.SendAsync(batch, cancellationToken: CancellationToken.None);
            sequence += BatchSize;
            await Task.Delay(interval, CancellationToken.None);
        }

        return (int)sequence - 1;
    }

    private static async Task StreamAsync(TelemetryCollector.CollectorClient client, List<EventBatch> batches)
    {
        using var call = client.Stream();
        var reader = Task.Run(async () =>
        {
            for (var i = 0; i < batches.Count; i++)
            {
                if (!await call.ResponseStream.MoveNext(CancellationToken.None))
                {
                    throw new InvalidOperationException("stream ended early");
                }
            }
        });
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch);
        }

        await reader;
        await call.RequestStream.CompleteAsync();
    }
}
