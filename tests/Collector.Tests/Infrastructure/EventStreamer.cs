using Collector.Protocol.Telemetry.V1;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Infrastructure;

/// <summary>Streams many test events into a collector over one Stream call, acks read as they come.</summary>
internal static class EventStreamer
{
    /// <summary>
    /// Sends sequences [first, first+count) of <paramref name="sourceId"/> (unsequenced when first is 0); returns how many
    /// were acknowledged as accepted.
    /// </summary>
    public static Task<long> SendAsync(Uri target, string sourceId, ulong first, int count, int batchSize = 500)
    {
        var batches = new List<EventBatch>();
        for (var sent = 0; sent < count; sent += batchSize)
        {
            var size = Math.Min(batchSize, count - sent);
            batches.Add(Events.Batch(sourceId, first == 0 ? 0 : first + (ulong)sent, size, sent));
        }

        return SendBatchesAsync(target, batches);
    }

    /// <summary>Sends <paramref name="batches"/> in order over one Stream call; returns how many events were acknowledged as accepted.</summary>
    public static async Task<long> SendBatchesAsync(Uri target, IReadOnlyList<EventBatch> batches)
    {
        using var channel = GrpcChannel.ForAddress(target);
        using var call = new TelemetryCollector.CollectorClient(channel).Stream();
        var reader = Task.Run(async () =>
        {
            long accepted = 0;
            for (var i = 0; i < batches.Count; i++)
            {
                var ack = await call.ResponseStream.ReadNextAsync();
                Assert.NotNull(ack);
                Assert.Empty(ack.Rejections);
                accepted += ack.Accepted;
            }

            return accepted;
        });
        foreach (var batch in batches)
        {
            await call.RequestStream.WriteAsync(batch);
        }

        var total = await reader;
        await call.RequestStream.CompleteAsync();
        return total;
    }
}
