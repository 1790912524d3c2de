using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;
using Xunit.Abstractions;

namespace Collector.Tests.Torture;

/// <summary>
/// A full disk under a sustained load on a core collector with ClickHouse (issue 14, scenario 5), each disk a small
/// loop-mounted ext4 (root, as CI runs) filled while the senders stream and freed after
/// COLLECTOR_TORTURE_OUTAGE_SECONDS (10 by default):
/// - the collector's data dir: it stops acknowledging what it cannot store (/healthcheck 503 "disk full: ..."), stays
///   up, answers at once and sits idle rather than spinning, and takes entries again by itself once there is room;
/// - ClickHouse's data dir: the collector goes on acknowledging into its log, shows ClickHouse's failures in
///   /healthcheck and /metrics, and catches up once the space is back.
/// Either way every acknowledged event ends in ClickHouse exactly once, intact. DiskFullTests and DiskFullResumeTests
/// pin how each refusal looks (UNAVAILABLE with the reason, HTTP 503 with Retry-After, the free-space gauge); this is
/// the run under load with the oracle and the figures.
/// </summary>
public sealed class DiskFullUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _data = new();

    private static TimeSpan Full => CoreUnderLoad.FaultDuration;

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task CollectorDiskFillsUnderLoad_RefusesIdleAndResponsive_ResumesByItself_EveryAcknowledgedEventStoredOnce()
    {
        using var disk = new LoopMountedDisk("256M");
        await using var clickHouse = await ClickHouseServer.StartAsync();
        await using var core = await CoreUnderLoad.StartAsync("collector-disk-full", clickHouse, Path.Combine(disk.Path, "data"));
        core.StartLoad();
        await core.WaitForStoredAsync(10_000, TimeSpan.FromSeconds(60));

        await Task.Run(disk.Fill);
        var refusing = await core.Collector.WaitForHealthAsync(h => h.GetProperty("status").GetString() == "unhealthy", TimeSpan.FromSeconds(30), "the log stops taking entries on the full disk");
        Assert.StartsWith("disk full: ", refusing.GetProperty("reason").GetString(), StringComparison.Ordinal);

        // While full: every answer at once, and no more CPU than refusing the senders' retries takes (about a quarter of
        // a core here, for some 40 refused streams a second); a thread spinning on the full disk would take a core.
        var ackedAtFull = core.Acknowledged;
        var cpuAtFull = core.Collector.CpuTime;
        var watch = Stopwatch.StartNew();
        var slowest = TimeSpan.Zero;
        while (watch.Elapsed < Full)
        {
            var asked = Stopwatch.StartNew();
            var health = await core.Collector.HealthAsync();
            slowest = TimeSpan.FromTicks(Math.Max(slowest.Ticks, asked.Elapsed.Ticks));
            Assert.Equal("unhealthy", health.GetProperty("status").GetString());
            await Task.Delay(200);
        }

        var coresWhileFull = (core.Collector.CpuTime - cpuAtFull) / watch.Elapsed;
        var ackedWhileFull = core.Acknowledged - ackedAtFull;
        var failedStreams = core.Senders.Sum(sender => sender.Failures);

        disk.Free();
        var freed = Stopwatch.StartNew();
        await core.Collector.WaitForHealthAsync(h => h.GetProperty("status").GetString() == "healthy", TimeSpan.FromSeconds(30), "the log takes entries again once the space is back");
        var resumedAfter = freed.Elapsed;
        await WaitForAcknowledgedAsync(core, core.Acknowledged + 30_000, "the senders' load goes through again");

        var catchUp = await core.FinishAndCatchUpAsync(DateTime.UtcNow, TimeSpan.FromMinutes(5));
        var oracle = await ClickHouseOracle.CheckAsync(clickHouse, core.Database, core.Senders);
        var figures = string.Create(
            CultureInfo.InvariantCulture,
            $"full {Full.TotalSeconds} s: {ackedWhileFull:N0} acknowledged while full, {failedStreams} failed streams, CPU {coresWhileFull:P0} of a core, slowest /healthcheck {slowest.TotalMilliseconds:F0} ms; "
            + $"took entries again {resumedAfter.TotalSeconds:F1} s after the space came back; everything in ClickHouse {catchUp.Took.TotalSeconds:F1} s after the load ended; {oracle.Rollups}");
        output.WriteLine($"{figures}\n{oracle.Details}");
        TortureReport.Add("disk full: the collector's data dir, under load (core, 3 resending sources)", $"1 run, {Full.TotalSeconds} s full", oracle.Acknowledged, oracle.Lost, oracle.Duplicated, figures);

        oracle.AssertExactlyOnce("collector disk full");
        Assert.True(coresWhileFull < 0.8, $"the collector used {coresWhileFull:P0} of a core while the disk was full\n{core.Collector.Output}");
        Assert.True(slowest < TimeSpan.FromSeconds(2), $"/healthcheck took {slowest.TotalMilliseconds:F0} ms while the disk was full");
        await core.Collector.StopAsync();
        Assert.False(core.Collector.Output.Contains("crit:", StringComparison.Ordinal), $"a critical error in the collector's log:\n{core.Collector.Output}");
    }

    [Fact]
    public async Task ClickHouseDiskFillsUnderLoad_CollectorAcknowledgesAndReportsIt_CatchesUpOnceFreed_EveryAcknowledgedEventStoredOnce()
    {
        using var disk = new LoopMountedDisk("256M");
        await using var clickHouse = await ClickHouseServer.StartAsync(Path.Combine(disk.Path, "clickhouse"));
        await using var core = await CoreUnderLoad.StartAsync("clickhouse-disk-full", clickHouse, _data.Path);
        core.StartLoad();
        await core.WaitForStoredAsync(10_000, TimeSpan.FromSeconds(60));
        var errorsBefore = TransientErrors(await ScrapeAsync(core.Collector));

        await Task.Run(disk.Fill);
        var ackedAtFull = core.Acknowledged;
        var reported = await core.Collector.WaitForHealthAsync(
            h => h.GetProperty("clickhouse").GetProperty("last_error").ValueKind == JsonValueKind.String,
            TimeSpan.FromSeconds(30),
            "the collector reports ClickHouse's failures");
        await Task.Delay(Full);
        var health = await core.Collector.HealthAsync();
        var metrics = await ScrapeAsync(core.Collector);
        var ackedWhileFull = core.Acknowledged - ackedAtFull;
        var lastError = reported.GetProperty("clickhouse").GetProperty("last_error").GetString()!;

        disk.Free();
        var catchUp = await core.FinishAndCatchUpAsync(DateTime.UtcNow, TimeSpan.FromMinutes(5));
        var oracle = await ClickHouseOracle.CheckAsync(clickHouse, core.Database, core.Senders);
        var errors = TransientErrors(metrics) - errorsBefore;
        var figures = string.Create(
            CultureInfo.InvariantCulture,
            $"full {Full.TotalSeconds} s: {ackedWhileFull:N0} acknowledged while ClickHouse's disk was full, {errors} ClickHouse requests failed (transient: {lastError}); {catchUp}; {oracle.Rollups}");
        output.WriteLine($"{figures}\n{oracle.Details}");
        TortureReport.Add("disk full: ClickHouse's data dir, under load (core, 3 resending sources)", $"1 run, {Full.TotalSeconds} s full", oracle.Acknowledged, oracle.Lost, oracle.Duplicated, figures);

        oracle.AssertExactlyOnce("ClickHouse disk full");
        Assert.True(ackedWhileFull >= 5_000, $"only {ackedWhileFull} events acknowledged while ClickHouse's disk was full\n{core.Collector.Output}");
        Assert.Equal("healthy", health.GetProperty("status").GetString());
        Assert.True(errors > 0, $"no failed ClickHouse request counted as transient in /metrics:\n{metrics.Text}");
        Assert.Equal(0, health.GetProperty("clickhouse").GetProperty("dead_lettered").GetInt64());
        await core.Collector.StopAsync();
        Assert.False(core.Collector.Output.Contains("crit:", StringComparison.Ordinal), $"a critical error in the collector's log:\n{core.Collector.Output}");
    }

    private static async Task WaitForAcknowledgedAsync(CoreUnderLoad core, long events, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (core.Acknowledged < events)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{what}: {core.Acknowledged} of {events} acknowledged after 30 s\n{core.Collector.Output}");
            await Task.Delay(50);
        }
    }

    /// <summary>Failed ClickHouse requests counted as a passing trouble (a full disk is one, not a fault of the request).</summary>
    private static double TransientErrors(ScrapedMetrics metrics) => metrics.Value("collector_clickhouse_errors_total", "table=events", "reason=transient");

    private static async Task<ScrapedMetrics> ScrapeAsync(CollectorProcess collector)
    {
        using var http = new HttpClient();
        return new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
    }
}
