using System.Text.Json;
using Collector.Tests.Infrastructure;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Forwarder;

/// <summary>
/// The forwarder's backlog on /healthcheck is what the log holds unacknowledged now, also while the forwarder is stuck
/// in a send to a hung upstream (a core stopped with SIGSTOP: connected, its window full, answering nothing). A gauge
/// that kept its last count would read 0 there and tell an operator, or a test waiting for the drain, that all is
/// delivered.
/// </summary>
public sealed class BacklogGaugeTests : IDisposable
{
    private const int BatchEvents = 500;

    private readonly TempDirectory _edgeData = new();
    private readonly TempDirectory _coreData = new();

    public void Dispose()
    {
        _edgeData.Dispose();
        _coreData.Dispose();
    }

    [Fact]
    public async Task UpstreamHangs_BacklogGrowsWithEveryCommittedEntry_ZeroOnlyOnceDelivered()
    {
        var (coreGrpc, coreHttp) = (FreePort.Next(), FreePort.Next());
        using var core = await CollectorProcess.StartAsync(_coreData.Path, coreGrpc, coreHttp, "--node-id", "core-1");
        using var edge = await CollectorProcess.StartAsync(_edgeData.Path, "--node-id", "edge-1", "--upstream-url", $"http://127.0.0.1:{coreGrpc}");
        using var channel = GrpcChannel.ForAddress(edge.GrpcUri);
        var client = new TelemetryCollector.CollectorClient(channel);
        ulong next = 1;

        async Task SendAsync(int batches)
        {
            for (var b = 0; b < batches; b++, next += BatchEvents)
            {
                await client.SendAsync(Events.Batch("gauge", next, BatchEvents));
            }
        }

        await SendAsync(4);
        await edge.WaitForHealthAsync(h => Forwarder(h).GetProperty("backlog_entries").GetInt64() == 0, TimeSpan.FromSeconds(20), "the first batches delivered");

        core.Pause();
        try
        {
            // Enough to fill the forwarder's in-flight window against a core that reads nothing, then more behind it.
            await SendAsync(200);
            await Task.Delay(500);
            var before = await edge.HealthAsync();
            await SendAsync(40);
            var after = await edge.HealthAsync();

            var committedBefore = Committed(before);
            var committedAfter = Committed(after);
            Assert.True(committedAfter > committedBefore, "the edge committed nothing while the core was stopped");
            Assert.True(
                Forwarder(after).GetProperty("backlog_bytes").GetInt64() >= committedAfter - committedBefore,
                $"backlog_bytes {Forwarder(after).GetProperty("backlog_bytes")} is less than the {committedAfter - committedBefore} bytes committed since the last look; /healthcheck: {after}");
            Assert.True(
                Forwarder(after).GetProperty("backlog_entries").GetInt64() >= Forwarder(before).GetProperty("backlog_entries").GetInt64() + 40,
                $"backlog_entries did not grow by the 40 entries committed meanwhile: before {Forwarder(before)}, after {Forwarder(after)}");
        }
        finally
        {
            core.Resume();
        }

        var drained = await edge.WaitForHealthAsync(h => Forwarder(h).GetProperty("backlog_entries").GetInt64() == 0, TimeSpan.FromSeconds(60), "the backlog drained");
        Assert.Equal(0, Forwarder(drained).GetProperty("backlog_bytes").GetInt64());
        var ingest = (await core.HealthAsync()).GetProperty("ingest");
        Assert.Equal((long)(next - 1), ingest.GetProperty("accepted").GetInt64() + ingest.GetProperty("duplicates").GetInt64());
    }

    private static JsonElement Forwarder(JsonElement health) => health.GetProperty("forwarder");

    private static long Committed(JsonElement health) => health.GetProperty("log").GetProperty("committed_until").GetInt64();
}
