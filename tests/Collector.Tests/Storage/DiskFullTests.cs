using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Storage;

/// <summary>
/// A data dir on a small loop-mounted ext4 that fills up under load (needs root, as CI runs): streams end
/// UNAVAILABLE, nothing unstored is acknowledged, and after a restart every acknowledged event is there once.
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private readonly LoopMountedDisk _disk = new();

    private string Mount => _disk.Path;

    public void Dispose() => _disk.Dispose();

    [Fact]
    public async Task DiskFills_StreamsEndUnavailable_AcknowledgedEventsSurviveExactlyOnce()
    {
        var data = Path.Combine(Mount, "data");

        ulong acked = 0;
        var statuses = new List<StatusCode>();
        using (var collector = await CollectorProcess.StartAsync(data))
        {
            _disk.Fill();
            ulong next = 1;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                // A channel (so a connection) per call: one grpc-dotnet loses to its own late write takes no other call
                // with it (see DiskFullResumeTests.AckedLoad).
                using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
                using var call = new TelemetryCollector.CollectorClient(channel).Stream();
                var reading = Task.Run(async () =>
                {
                    while (await call.ResponseStream.ReadNextAsync() is { } ack)
                    {
                        acked = Math.Max(acked, ack.DurableThrough);
                    }
                });
                // Until the server ends the call; the reading side has its status.
                for (var b = 0; b < 400 && !reading.IsCompleted && await call.RequestStream.TryWriteAsync(Events.Batch("disk-full", next, 500)); b++)
                {
                    next += 500;
                }

                await call.RequestStream.CompleteAsync();

                try
                {
                    await reading;
                }
                catch (RpcException ex)
                {
                    statuses.Add(ex.StatusCode);
                }
            }

            Assert.NotEmpty(statuses);
            Assert.All(statuses, code => Assert.Equal(StatusCode.Unavailable, code));
            using var http = new HttpClient();
            using var health = await http.GetAsync(new Uri(collector.HttpUri, "/healthcheck"));
            Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, health.StatusCode);
            var body = System.Text.Json.JsonDocument.Parse(await health.Content.ReadAsStringAsync()).RootElement;
            Assert.StartsWith("disk full: ", body.GetProperty("reason").GetString(), StringComparison.Ordinal);
            Assert.True(body.GetProperty("log").GetProperty("disk_free_bytes").GetInt64() >= 0);
            Assert.Matches(@"(?m)^collector_log_disk_free_bytes \d+", await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
            await collector.KillAsync();
        }

        _disk.Free();
        using (var restarted = await CollectorProcess.StartAsync(data))
        {
            await restarted.StopAsync();
        }

        var stored = (await LogContents.ReadDirectoryAsync(data)).Select(e => e.Sequence).ToList();
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.True((ulong)stored.Count >= acked, $"{stored.Count} stored, {acked} acknowledged");
        Assert.All(Enumerable.Range(1, (int)acked), i => Assert.Contains((ulong)i, stored));
    }
}
