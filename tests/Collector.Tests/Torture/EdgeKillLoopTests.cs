using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// The kill loop (issue 14, scenario 1) on an edge collector forwarding to a core: the kills hit the edge (under load,
/// during its starts, during its shutdowns), restarting it on the same data dir each time, while the core runs on.
/// Once the senders have had their resends acknowledged by the last start and the edge has drained, the core's log
/// holds every event the edge acknowledged exactly once, as it was sent, and nothing else. What the restarted edges
/// resent of what the core already had is reported (the core's dedup drops it). <c>COLLECTOR_TORTURE_KILLS</c> sets
/// the kills under load (20 in the full mode; a few by default).
/// </summary>
public sealed class EdgeKillLoopTests(ITestOutputHelper output) : IDisposable
{
    private const int Seed = 142;
    private const int BatchEvents = 200;
    private const int Sources = 3;

    private readonly EdgeAndCore _pair = new();

    public void Dispose() => _pair.Dispose();

    [Fact]
    public async Task Kill9EdgeUnderLoadDuringStartAndShutdown_EveryAcknowledgedEventAtTheCoreOnceIntact()
    {
        var loop = new KillLoop("edge-kill-loop", Sources, BatchEvents, Seed);
        var plan = loop.Plan(KillLoop.UnderLoadKills(shortMode: 3), leastOfEach: 1);
        long resent;
        using (var core = await _pair.StartCoreAsync())
        {
            using (var edge = await loop.RunAsync(() => _pair.LaunchEdge(), plan))
            {
                await edge.WaitForHealthAsync(
                    h => h.GetProperty("forwarder").GetProperty("backlog_entries").GetInt64() == 0 && h.GetProperty("forwarder").GetProperty("backlog_bytes").GetInt64() == 0,
                    TimeSpan.FromMinutes(3),
                    "the edge drained to the core");
                await edge.StopAsync();
            }

            resent = (await core.HealthAsync()).GetProperty("ingest").GetProperty("duplicates").GetInt64();
            await core.StopAsync();
        }

        var stored = await LogContents.ReadDirectoryAsync(_pair.CoreData);
        DeliveryOracle.ReportThenAssert(
            $"kill -9 of the edge at random moments, during start and shutdown (edge to core, {Sources} resending sources)",
            $"{plan.Count} kills, seed {Seed}",
            DeliveryOracle.FromEvents(stored, loop.Senders),
            $"{loop.Figures(plan)}; the core dropped {resent} resent events as duplicates",
            output);
        loop.AssertKillsLanded(plan);
        var unstamped = stored.Count(e => e.Event.Provenance.Path is not [var hop] || hop != "edge-1");
        Assert.True(unstamped == 0, $"{unstamped} events at the core without the edge's provenance");
    }
}
