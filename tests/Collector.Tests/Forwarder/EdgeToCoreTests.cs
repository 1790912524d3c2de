using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Forwarder;

/// <summary>
/// Edge and core as real collector processes on loopback with real logs on disk: whatever the edge acknowledged
/// reaches the core exactly once, in order per source, whatever happens to either of them on the way.
/// </summary>
public sealed class EdgeToCoreTests : IDisposable
{
    private const int Sources = 4;
    private const int PerSource = 50_000;
    private const int Total = Sources * PerSource;
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(120);

    private readonly EdgeAndCore _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public async Task CoreDownWhileEdgeTakes200k_CoreStarts_EveryEventReachesCoreExactlyOnce()
    {
        using var edge = await StartEdgeAsync();
        await SendToEdgeAsync(edge);

        // The core is away: the edge holds everything, counts its failed attempts, and says so.
        var away = await edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("failures").EnumerateObject().Any() && ForwarderOf(h).GetProperty("backlog_entries").GetInt64() > 0,
            TimeSpan.FromSeconds(30),
            "failed connection attempts counted");
        Assert.False(ForwarderOf(away).GetProperty("connected").GetBoolean());
        Assert.True(ForwarderOf(away).GetProperty("backlog_bytes").GetInt64() > 0);
        Assert.True(ForwarderOf(away).GetProperty("backlog_entries").GetInt64() > 0);

        using (var core = await StartCoreAsync())
        {
            var drained = await WaitDrainedAsync(edge);
            Assert.True(ForwarderOf(drained).GetProperty("connected").GetBoolean());
            Assert.Equal(Total, ForwarderOf(drained).GetProperty("events_forwarded").GetInt64());
            Assert.Equal(0, ForwarderOf(drained).GetProperty("duplicates").GetInt64());
            Assert.True(ForwarderOf(drained).GetProperty("reconnects").GetInt64() >= 1);
            Assert.True(ForwarderOf(drained).GetProperty("last_success_unix_ms").GetInt64() > 0);

            var ingest = (await core.HealthAsync()).GetProperty("ingest");
            Assert.Equal(Total, ingest.GetProperty("accepted").GetInt64());
            Assert.Equal(0, ingest.GetProperty("duplicates").GetInt64());
            await core.StopAsync();
        }

        await AssertCoreHasEveryEventOnceAsync();
    }

    [Fact]
    public async Task EdgeKilledMidDrain_Restarted_CoreStillHasEveryEventExactlyOnce()
    {
        using var core = await StartCoreAsync();
        using (var edge = await StartEdgeAsync("--upstream-batch-events", "1000", "--upstream-max-in-flight", "2"))
        {
            // Core up but the edge's first connection waits for data: stop the core's intake by sending first.
            await SendToEdgeAsync(edge);
            await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() > 60_000, DrainTimeout, "drain under way");
            await edge.KillAsync();
        }

        var accepted = (await core.HealthAsync()).GetProperty("ingest").GetProperty("accepted").GetInt64();
        Assert.True(accepted < Total, $"the drain had finished ({accepted}) before the kill; nothing was tested");

        using (var restarted = await StartEdgeAsync())
        {
            await WaitDrainedAsync(restarted);
        }

        // The restarted edge resumed from its persisted cursor: it resent only the tail of what the core already
        // had (which the core's dedup dropped), not the whole log.
        var ingest = (await core.HealthAsync()).GetProperty("ingest");
        Assert.Equal(Total, ingest.GetProperty("accepted").GetInt64());
        var resent = ingest.GetProperty("duplicates").GetInt64();
        Assert.True(resent < accepted, $"{resent} events resent after the restart; {accepted} had been delivered before the kill");
        await core.StopAsync();
        await AssertCoreHasEveryEventOnceAsync();
    }

    [Fact]
    public async Task CoreFlapsDuringDrain_NothingLostNothingStoredTwice()
    {
        using var edge = await StartEdgeAsync("--upstream-batch-events", "1000", "--upstream-max-in-flight", "2");
        await SendToEdgeAsync(edge);
        long reconnectsBefore = 0;
        var flaps = 0;
        for (var round = 0; round < 4; round++)
        {
            // An edge that drained everything sends nothing, so it cannot notice that its core went away: flapping
            // then tests nothing more, and the rounds end.
            using var core = await StartCoreAsync();
            var health = await edge.WaitForHealthAsync(
                h => ForwarderOf(h).GetProperty("reconnects").GetInt64() > reconnectsBefore || ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0,
                DrainTimeout,
                "edge reconnected");
            if (ForwarderOf(health).GetProperty("reconnects").GetInt64() == reconnectsBefore)
            {
                await core.StopAsync();
                break;
            }

            await Task.Delay(300);
            reconnectsBefore = ForwarderOf(await edge.HealthAsync()).GetProperty("reconnects").GetInt64();
            flaps++;

            // Alternate a clean stop (streams end with UNAVAILABLE) and a kill -9 (connections reset mid-batch).
            if (round % 2 == 0)
            {
                await core.StopAsync();
            }
            else
            {
                await core.KillAsync();
            }
        }

        using (var core = await StartCoreAsync())
        {
            await WaitDrainedAsync(edge);
            await core.StopAsync();
        }

        Assert.True(flaps >= 2, $"the edge drained after {flaps} flaps of its core: too few to test anything");
        Assert.True(ForwarderOf(await edge.HealthAsync()).GetProperty("reconnects").GetInt64() >= flaps);
        await AssertCoreHasEveryEventOnceAsync();
    }

    [Fact]
    public async Task LiveEventsDuringDrain_NewSourceOvertakesBacklog_BacklogSourceKeepsItsOrder()
    {
        // A deliberately narrow pipe (one stream, small batches, one batch in flight per lane), so the drain lasts.
        using var edge = await StartEdgeAsync("--upstream-batch-events", "100", "--upstream-max-in-flight", "2", "--upstream-streams", "1");
        await SendToEdgeAsync(edge);
        using var core = await StartCoreAsync();
        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("live_lane").GetBoolean(), DrainTimeout, "live lane opened");

        // During the drain: a new source (no backlog) and one of the backlogged sources both keep logging, side by
        // side on a stream each (40 calls one after another could outlast the drain on a slow machine).
        await Task.WhenAll(
            EventStreamer.SendAsync(edge.GrpcUri, "live-source", 1, 200, batchSize: 10),
            EventStreamer.SendAsync(edge.GrpcUri, "edge-source-0", PerSource + 1, 200, batchSize: 10));
        Assert.True(ForwarderOf(await edge.HealthAsync()).GetProperty("live_lane").GetBoolean(), "the drain ended before the live events were in: nothing to overtake");

        // Drained is every committed byte acknowledged; the lanes merge at the forwarder's next turn after that.
        await WaitDrainedAsync(edge);
        await edge.WaitForHealthAsync(h => !ForwarderOf(h).GetProperty("live_lane").GetBoolean(), TimeSpan.FromSeconds(10), "the live lane merged back");
        await edge.WaitForOutputAsync("Live lane merged back", TimeSpan.FromSeconds(10));
        await core.StopAsync();

        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        Assert.Equal(Total + 400, stored.Count);
        foreach (var source in stored.GroupBy(e => e.SourceId))
        {
            var expected = source.Key switch { "live-source" => 200, "edge-source-0" => PerSource + 200, _ => PerSource };
            Assert.Equal(Enumerable.Range(1, expected).Select(i => (ulong)i), source.Select(e => e.Sequence));
        }

        // The new source's events did not wait for the backlog: they all reached the core before its last backlog event.
        var positions = stored.Select((e, i) => (e.SourceId, i)).ToList();
        var lastLive = positions.Last(p => p.SourceId == "live-source").i;
        var lastBacklog = positions.Last(p => p.SourceId is "edge-source-1" or "edge-source-2" or "edge-source-3").i;
        Assert.True(lastLive < lastBacklog, $"last live event at {lastLive}, last backlog event at {lastBacklog} of {stored.Count}");
    }

    internal static JsonElement ForwarderOf(JsonElement health) => health.GetProperty("forwarder");

    private Task<CollectorProcess> StartEdgeAsync(params string[] extra) => _pair.StartEdgeAsync(extra);

    private Task<CollectorProcess> StartCoreAsync() => _pair.StartCoreAsync();

    private static async Task SendToEdgeAsync(CollectorProcess edge)
    {
        var sent = await Task.WhenAll(Enumerable.Range(0, Sources).Select(s => EventStreamer.SendAsync(edge.GrpcUri, $"edge-source-{s}", 1, PerSource)));
        Assert.Equal(Total, sent.Sum());
    }

    private static Task<JsonElement> WaitDrainedAsync(CollectorProcess edge) =>
        edge.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0 && ForwarderOf(h).GetProperty("backlog_bytes").GetInt64() == 0,
            DrainTimeout,
            "edge backlog drained");

    private async Task AssertCoreHasEveryEventOnceAsync()
    {
        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        Assert.Equal(Total, stored.Count);
        foreach (var source in stored.GroupBy(e => e.SourceId))
        {
            // Exactly once and in order: the core's log holds 1..PerSource, each once, ascending.
            Assert.Equal(Enumerable.Range(1, PerSource).Select(i => (ulong)i), source.Select(e => e.Sequence));
        }

        Assert.Equal(Sources, stored.Select(e => e.SourceId).Distinct().Count());
        var sample = stored[^1].Event;
        Assert.Equal(["edge-1"], sample.Provenance.Path);
        Assert.Equal("edge-1", sample.Provenance.Origin);
    }
}
