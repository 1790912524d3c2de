using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

namespace Collector.Tests.Infrastructure;

/// <summary>Streams many test events into a collector over one Stream call, acks read as they come.</summary>
internal static class EventStreamer
{
    /// <summary>
    /// Sends sequences [first, first+count) of <paramref name="sourceId"/> (unsequenced when first is 0); returns how many
    /// were acknowledged as accepted.
    /// </summary>
    public static async Task<long> SendAsync(Uri target, string sourceId, ulong first, int count, int batchSize = 500)
    {
        using var grpc = new GrpcClient(new GrpcClientOptions { Address = target });
        await using var call = new CollectorClient(grpc).OpenStream();
        var batches = (count + batchSize - 1) / batchSize;
        var reader = Task.Run(async () =>
        {
            long accepted = 0;
            for (var i = 0; i < batches; i++)
            {
                var ack = await call.ReadNextAsync();
                Assert.NotNull(ack);
                Assert.Empty(ack.Rejections);
                accepted += ack.Accepted;
            }

            return accepted;
        });
        for (var sent = 0; sent < count; sent += batchSize)
        {
            var size = Math.Min(batchSize, count - sent);
            await call.WriteAsync(Events.Batch(sourceId, first == 0 ? 0 : first + (ulong)sent, size, sent));
        }

        var total = await reader;
        await call.CompleteRequestsAsync();
        return total;
    }
}
