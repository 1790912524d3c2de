using System.Diagnostics;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// The kill loop (issue 14, scenario 1) on a core collector that stores into a real ClickHouse: kill -9 at seeded
/// random moments under load, during starts and during shutdowns, restarting on the same data dir each time. Once the
/// senders have had their resends acknowledged by the last start and the batcher has caught up, every acknowledged
/// event is in ClickHouse exactly once, as it was sent, and nothing else is. <c>COLLECTOR_TORTURE_KILLS</c> sets the
/// kills under load (20 in the full mode; a few by default).
/// </summary>
[Collection("clickhouse")]
public sealed class CoreKillLoopTests(ClickHouseFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const int Seed = 141;
    private const int BatchEvents = 200;
    private const int Sources = 3;

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Kill9UnderLoadDuringStartAndShutdown_CoreWithClickHouse_EveryAcknowledgedEventStoredOnceIntact()
    {
        string[] args = ["--node-id", "core-1", "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database];
        var loop = new KillLoop("core-kill-loop", Sources, BatchEvents, Seed);
        var plan = loop.Plan(KillLoop.UnderLoadKills(shortMode: 3), leastOfEach: 1);
        TimeSpan catchUp;
        using (var core = await loop.RunAsync(() => CollectorProcess.Launch(_data.Path, args), plan))
        {
            var waited = Stopwatch.StartNew();
            await core.WaitForHealthAsync(
                h => h.GetProperty("clickhouse").GetProperty("lag_bytes").GetInt64() == 0,
                TimeSpan.FromMinutes(5),
                "the batcher caught up with the log");
            catchUp = waited.Elapsed;
            await core.StopAsync();
        }

        DeliveryOracle.ReportThenAssert(
            $"kill -9 at random moments, during start and shutdown (core with ClickHouse, {Sources} resending sources)",
            $"{plan.Count} kills, seed {Seed}",
            await DeliveryOracle.FromClickHouseAsync(fixture.Server, _database, loop.Senders),
            $"{loop.Figures(plan)}; the batcher caught up {catchUp.TotalSeconds:F1} s after the senders stopped",
            output);
        loop.AssertKillsLanded(plan);
    }
}
