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
    public Task Kill9UnderLoadDuringStartAndShutdown_CoreWithClickHouse_EveryAcknowledgedEventStoredOnceIntact() =>
        RunAsync(Seed, "core with ClickHouse");

    /// <summary>
    /// With 16 MiB segments the core deletes the segment files the batcher has passed (at each dedup checkpoint) while
    /// the kills land: a kill between FASTER's commit record and its file deletions, or in a start that finds fewer
    /// files than its record named, must lose nothing.
    /// </summary>
    [Fact]
    public Task Kill9UnderLoad_CoreDeletingPassedSegments_EveryAcknowledgedEventStoredOnceIntact() =>
        RunAsync(Seed + 1000, "core with ClickHouse, 16 MiB segments deleted as the batcher passes", "--log-segment-bytes", SmallSegmentBytes, "--checkpoint-interval-ms", "500");

    private const string SmallSegmentBytes = "16777216";

    private async Task RunAsync(int seed, string profile, params string[] extraArgs)
    {
        string[] args = ["--node-id", "core-1", "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, .. extraArgs];
        var loop = new KillLoop("core-kill-loop", Sources, BatchEvents, seed);
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

        var segments = SegmentLayout.SegmentNumbers(_data.Path);
        var oracle = await ClickHouseOracle.CheckAsync(fixture.Server, _database, loop.Senders);
        var figures = $"{loop.Figures(plan)}; the batcher caught up {catchUp.TotalSeconds:F1} s after the senders stopped; segment files left: {segments.Count}, lowest segment.{segments.FirstOrDefault()}; {oracle.Rollups}";
        output.WriteLine($"{figures}\n{oracle.Details}");
        TortureReport.Add($"kill -9 at random moments, during start and shutdown ({profile}, {Sources} resending sources)", $"{plan.Count} kills, seed {seed}", oracle.Acknowledged, oracle.Lost, oracle.Duplicated, figures);
        oracle.AssertExactlyOnce(profile);
        loop.AssertKillsLanded(plan);
    }
}
