using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Forwarder;

/// <summary>Several collectors in a chain: provenance, loops, the disk budget, and an OTLP endpoint as the upstream.</summary>
public sealed class ChainTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task ThreeHops_EdgeRegionalCore_ProvenancePathListsHopsInOrder()
    {
        var coreDir = Dir("core");
        long accepted;
        using (var core = await CollectorProcess.StartAsync(coreDir, "--node-id", "core-1"))
        {
            using var regional = await CollectorProcess.StartAsync(Dir("regional"), "--node-id", "regional-1", "--upstream-url", core.GrpcUri.ToString());
            using var edge = await CollectorProcess.StartAsync(Dir("edge"), "--node-id", "edge-1", "--upstream-url", regional.GrpcUri.ToString());
            Assert.Equal(1000, await EventStreamer.SendAsync(edge.GrpcUri, "chain-source", 1, 1000));

            var health = await core.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("accepted").GetInt64() == 1000, Timeout, "core has the events");
            accepted = health.GetProperty("ingest").GetProperty("accepted").GetInt64();
            Assert.Equal("edge", (await edge.HealthAsync()).GetProperty("node").GetProperty("role").GetString());
            Assert.Equal("edge", (await regional.HealthAsync()).GetProperty("node").GetProperty("role").GetString());
            await core.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(coreDir);
        Assert.Equal(accepted, stored.Count);
        Assert.All(stored, e =>
        {
            Assert.Equal(["edge-1", "regional-1"], e.Event.Provenance.Path);
            Assert.Equal("edge-1", e.Event.Provenance.Origin);
        });
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (ulong)i), stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task Loop_TwoCollectorsForwardingToEachOther_ReturningEventsDroppedAndCounted()
    {
        // a forwards to b; b forwards back to a. Each event goes a -> b -> a and stops there. Unsequenced events, so
        // dedup cannot stop them: only the provenance check does.
        var aGrpc = FreePort.Next();
        var bGrpc = FreePort.Next();
        using var a = await CollectorProcess.StartAsync(Dir("a"), aGrpc, FreePort.Next(), "--node-id", "node-a", "--upstream-url", $"http://127.0.0.1:{bGrpc}");
        using var b = await CollectorProcess.StartAsync(Dir("b"), bGrpc, FreePort.Next(), "--node-id", "node-b", "--upstream-url", $"http://127.0.0.1:{aGrpc}");
        Assert.Equal(200, await EventStreamer.SendAsync(a.GrpcUri, "loop-source", 0, 200));

        var back = await a.WaitForHealthAsync(h => h.GetProperty("ingest").GetProperty("loops").GetInt64() == 200, Timeout, "a refused the returning events");
        Assert.Equal(200, back.GetProperty("ingest").GetProperty("accepted").GetInt64());
        Assert.Equal(200, back.GetProperty("ingest").GetProperty("rejected").GetInt64());
        var bHealth = await b.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("rejected").GetInt64() == 200, Timeout, "b counted the refusal");
        Assert.Equal(200, bHealth.GetProperty("ingest").GetProperty("accepted").GetInt64());
        await a.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0, Timeout, "a drained");
        await b.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0, Timeout, "b drained");
    }

    [Fact]
    public async Task Budget_FillsWhileUpstreamAway_OldestDroppedAndCountedNewestSurvive()
    {
        const int Count = 40_000;
        var coreGrpc = FreePort.Next();
        var coreHttp = FreePort.Next();
        using var edge = await CollectorProcess.StartAsync(
            Dir("edge"),
            "--node-id", "edge-1",
            "--upstream-url", $"http://127.0.0.1:{coreGrpc}",
            "--log-budget-bytes", "1048576",
            "--upstream-min-backoff-ms", "50",
            "--upstream-max-backoff-ms", "300");

        // ~6 MB of events into a 1 MiB budget, in order, while nothing listens upstream.
        Assert.Equal(Count, await EventStreamer.SendAsync(edge.GrpcUri, "budget-source", 1, Count, batchSize: 100));
        var full = await edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() <= 1048576 && ForwarderOf(h).GetProperty("dropped_by_budget").GetInt64() > 0,
            Timeout,
            "budget enforced");
        // Settled: the budget is enforced on every retry; once everything sent is within it, drops stop.
        long dropped;
        do
        {
            dropped = ForwarderOf(full).GetProperty("dropped_by_budget").GetInt64();
            await Task.Delay(1000);
            full = await edge.HealthAsync();
        }
        while (ForwarderOf(full).GetProperty("dropped_by_budget").GetInt64() != dropped);

        Assert.True(ForwarderOf(full).GetProperty("backlog_bytes").GetInt64() <= 1048576);
        Assert.Contains("dropped", edge.Output, StringComparison.Ordinal);
        Assert.Contains("addresses [", edge.Output, StringComparison.Ordinal);

        var coreDir = Dir("core");
        using (var core = await CollectorProcess.StartAsync(coreDir, coreGrpc, coreHttp, "--node-id", "core-1"))
        {
            await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0 && ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() == 0, Timeout, "edge drained");
            await core.StopAsync();
        }

        // The survivors are exactly the newest Count - dropped events, each once.
        var stored = await LogContents.ReadDirectoryAsync(coreDir);
        var final = ForwarderOf(await edge.HealthAsync()).GetProperty("dropped_by_budget").GetInt64();
        Assert.Equal(dropped, final);
        Assert.Equal(Count - dropped, stored.Count);
        Assert.Equal(Enumerable.Range((int)dropped + 1, Count - (int)dropped).Select(i => (ulong)i), stored.Select(e => e.Sequence));
    }

    [Fact]
    public async Task OtlpUpstream_EdgeExportsLogRecords_ReceiverGetsEveryEventWithItsFields()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync();
        using var edge = await CollectorProcess.StartAsync(
            Dir("edge"), "--node-id", "edge-otlp", "--upstream-url", receiver.Endpoint.ToString(), "--upstream-kind", "otlp");
        Assert.Equal(500, await EventStreamer.SendAsync(edge.GrpcUri, "otlp-source", 1, 500, batchSize: 100));

        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 500, Timeout, "exported");
        var records = receiver.ReadRecords();
        Assert.Equal(500, records.Count);
        Assert.Equal(Enumerable.Range(1, 500), records.Select(r => (int)r.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64()).Order());
        var first = records.First(r => r.GetProperty("attributes").GetProperty("telemetry.sequence").GetInt64() == 1);
        Assert.Equal("test-service", first.GetProperty("resource").GetProperty("service.name").GetString());
        Assert.Equal("edge-otlp", first.GetProperty("resource").GetProperty("collector.node.id").GetString());
        Assert.Equal("inference 0 finished", first.GetProperty("body").GetString());
        Assert.Equal(9, first.GetProperty("severity_number").GetInt32());
        Assert.Equal("THOUGHT_LATENCY", first.GetProperty("attributes").GetProperty("event.type").GetString());
        Assert.Equal("otlp-source", first.GetProperty("attributes").GetProperty("telemetry.source.id").GetString());
        Assert.Equal(["edge-otlp"], first.GetProperty("attributes").GetProperty("telemetry.provenance.path").EnumerateArray().Select(e => e.GetString()));
    }

    private string Dir(string name) => Path.Combine(_data.Path, name);
}
