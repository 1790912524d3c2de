using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;
using Collector.Tests.Infrastructure;

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
        var statuses = new List<GrpcStatusCode>();
        using (var collector = await CollectorProcess.StartAsync(data))
        {
            _disk.Fill();
            using var grpc = new GrpcClient(new GrpcClientOptions { Address = collector.GrpcUri });
            var client = new CollectorClient(grpc);
            ulong next = 1;
            for (var attempt = 0; attempt < 5; attempt++)
            {
                await using var call = client.OpenStream();
                var reading = Task.Run(async () =>
                {
                    while (await call.ReadNextAsync() is { } ack)
                    {
                        acked = Math.Max(acked, ack.DurableThrough);
                    }
                });
                try
                {
                    for (var b = 0; b < 400 && !reading.IsCompleted; b++, next += 500)
                    {
                        await call.WriteAsync(Events.Batch("disk-full", next, 500));
                    }

                    await call.CompleteRequestsAsync();
                }
                catch (GrpcStatusException)
                {
                    // The server ended the call; the reading side has its status.
                }

                try
                {
                    await reading;
                }
                catch (GrpcStatusException ex)
                {
                    statuses.Add(ex.Status.Code);
                }
            }

            Assert.NotEmpty(statuses);
            Assert.All(statuses, code => Assert.Equal(GrpcStatusCode.Unavailable, code));
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
