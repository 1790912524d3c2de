using System.Net.Http;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Torture;

/// <summary>
/// Many connections and many idle streams against a collector process (issue 14, scenario 7 in part): while they are
/// open the collector answers, and once they are gone its open files come back to where they were and its memory
/// stays bounded. CI runs the short mode; <c>COLLECTOR_TORTURE_CONNECTIONS</c> sets the number of short connections
/// (the full mode: 10,000).
/// </summary>
public sealed class ConnectionLoadTests : IDisposable
{
    private const int IdleStreams = 1000;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    private static int ShortConnections =>
        int.TryParse(Environment.GetEnvironmentVariable("COLLECTOR_TORTURE_CONNECTIONS"), out var n) && n > 0 ? n : 1000;

    [Fact]
    public async Task ThousandIdleStreamsAndManyShortConnections_CollectorAnswers_FilesReturn_MemoryBounded()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using (var warm = GrpcChannel.ForAddress(collector.GrpcUri))
        {
            Assert.Equal(1u, (await new TelemetryCollector.CollectorClient(warm).SendAsync(Events.Batch("warm-up", 1, 1))).Accepted);
        }

        var filesBefore = OpenFiles(collector.ProcessId);

        // Idle streams: opened, one batch each so every one is really established, then left open.
        // The handlers are disposed with the test's own using: that is what closes a client's connections.
        using var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        using (var channel = GrpcChannel.ForAddress(collector.GrpcUri, new GrpcChannelOptions { HttpHandler = handler }))
        {
            var client = new TelemetryCollector.CollectorClient(channel);
            var calls = new List<Grpc.Core.AsyncDuplexStreamingCall<EventBatch, Ack>>();
            for (var i = 0; i < IdleStreams; i++)
            {
                var call = client.Stream();
                calls.Add(call);
                await call.RequestStream.WriteAsync(Events.Batch($"idle-{i}", 1, 1));
            }

            foreach (var call in calls)
            {
                Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            }

            // With all of them open, a new caller is served at once.
            using (var other = GrpcChannel.ForAddress(collector.GrpcUri))
            {
                Assert.Equal(3u, (await new TelemetryCollector.CollectorClient(other).SendAsync(Events.Batch("beside-idle", 1, 3))).Accepted);
            }

            Assert.InRange(RssBytes(collector.ProcessId), 0, 400L << 20);
            foreach (var call in calls)
            {
                await call.RequestStream.CompleteAsync();
                Assert.False(await call.ResponseStream.MoveNext(CancellationToken.None));
                call.Dispose();
            }
        }

        handler.Dispose();

        // Short connections, one after another: each a new HTTP/2 connection with one Send.
        for (var i = 0; i < ShortConnections; i++)
        {
            using var connection = new SocketsHttpHandler();
            using var channel = GrpcChannel.ForAddress(collector.GrpcUri, new GrpcChannelOptions { HttpHandler = connection });
            var ack = await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch("short-connections", (ulong)(i + 1), 1));
            Assert.Equal(1u, ack.Accepted);
        }

        // Closed connections leave no descriptor behind (a few may still be closing).
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (OpenFiles(collector.ProcessId) > filesBefore + 10 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var filesAfter = OpenFiles(collector.ProcessId);
        Assert.True(filesAfter <= filesBefore + 10, $"{filesAfter} open files after the connections closed, {filesBefore} before them");
        Assert.InRange(RssBytes(collector.ProcessId), 0, 400L << 20);
        var health = await collector.HealthAsync();
        Assert.Equal(IdleStreams + 1 + 3 + ShortConnections, health.GetProperty("ingest").GetProperty("accepted").GetInt64());
        await collector.StopAsync();
    }

    private static int OpenFiles(int pid) => Directory.GetFiles($"/proc/{pid}/fd").Length;

    private static long RssBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
