using System.Diagnostics;
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
    private readonly TempDirectory _root = new("collector-diskfull");

    private string Image => Path.Combine(_root.Path, "disk.img");

    private string Mount => Path.Combine(_root.Path, "mnt");

    public void Dispose()
    {
        Run("umount", "-l", Mount);
        _root.Dispose();
    }

    [Fact]
    public async Task DiskFills_StreamsEndUnavailable_AcknowledgedEventsSurviveExactlyOnce()
    {
        Directory.CreateDirectory(Mount);
        Assert.True(Run("truncate", "-s", "64M", Image) == 0, "truncate failed");
        Assert.True(Run("mkfs.ext4", "-q", "-F", Image) == 0, "mkfs.ext4 failed");
        Assert.True(Run("mount", "-o", "loop", Image, Mount) == 0, "mount -o loop failed: this test needs root, as CI has");
        var data = Path.Combine(Mount, "data");

        ulong acked = 0;
        var statuses = new List<GrpcStatusCode>();
        using (var collector = await CollectorProcess.StartAsync(data))
        {
            FillDisk(Path.Combine(Mount, "filler"));
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

        File.Delete(Path.Combine(Mount, "filler"));
        using (var restarted = await CollectorProcess.StartAsync(data))
        {
            await restarted.StopAsync();
        }

        var stored = (await LogContents.ReadDirectoryAsync(data)).Select(e => e.Sequence).ToList();
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.True((ulong)stored.Count >= acked, $"{stored.Count} stored, {acked} acknowledged");
        Assert.All(Enumerable.Range(1, (int)acked), i => Assert.Contains((ulong)i, stored));
    }

    private static void FillDisk(string path)
    {
        var block = new byte[1 << 20];
        using var filler = new FileStream(path, FileMode.Create, FileAccess.Write);
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // No space left: exactly what the test wants.
        }
    }

    private static int Run(string file, params string[] args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true })!;
        process.WaitForExit();
        return process.ExitCode;
    }
}
