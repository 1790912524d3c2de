using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;

namespace Collector.Tests.Storage;

/// <summary>
/// The log's one budget, bytes and age, in the profiles that had none: a standalone node (the log is the only copy)
/// and a core whose ClickHouse is away. Past the budget the oldest entries go, the newest stay, and every event that
/// went before its consumer had it is counted in collector_dropped_events_total{reason="log_budget"}: what is kept
/// plus what is counted is everything acknowledged.
/// </summary>
public sealed class LogBudgetTests : IDisposable
{
    private const long Budget = 1024 * 1024;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Standalone_PastTheByteBudget_OldestDroppedCountedNewestKept()
    {
        const int Count = 40_000;
        using (var collector = await CollectorProcess.StartAsync(_data.Path, "--log-budget-bytes", Budget.ToString(System.Globalization.CultureInfo.InvariantCulture)))
        {
            // About 6 MB of events into a 1 MiB budget, nobody consuming them.
            Assert.Equal(Count, await EventStreamer.SendAsync(collector.GrpcUri, "budget-standalone", 1, Count, batchSize: 100));
            var metrics = await WaitForMetricsAsync(collector, m => m.Value("collector_log_bytes") <= Budget && Dropped(m) > 0, "the log back within its budget");
            var dropped = (long)Dropped(metrics);
            await collector.WaitForOutputAsync("Log budget: dropped the oldest", Timeout);
            await collector.StopAsync();

            var kept = (await LogContents.ReadDirectoryAsync(_data.Path)).Select(e => e.Sequence).ToList();
            Assert.Equal(Count, kept.Count + dropped);
            Assert.Equal(Enumerable.Range(Count - kept.Count + 1, kept.Count).Select(s => (ulong)s), kept);
        }

        // The shortened log opens again and takes more (its begin and cursors agree).
        using var restarted = await CollectorProcess.StartAsync(_data.Path, "--log-budget-bytes", Budget.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(100, await EventStreamer.SendAsync(restarted.GrpcUri, "budget-standalone", Count + 1, 100, batchSize: 100));
    }

    [Fact]
    public async Task Standalone_PastTheAgeBudget_OldEntriesDroppedCounted()
    {
        // 0.00003 days: about 2.6 s.
        using var collector = await CollectorProcess.StartAsync(_data.Path, "--log-budget-days", "0.00003");
        Assert.Equal(1_000, await EventStreamer.SendAsync(collector.GrpcUri, "budget-age", 1, 1_000, batchSize: 100));
        var metrics = await WaitForMetricsAsync(collector, m => Dropped(m) >= 1_000, "every event past its age dropped");
        Assert.Equal(1_000, Dropped(metrics));
        Assert.Equal(0, metrics.Value("collector_log_bytes"));

        // A new event is kept until it is old in turn, and the source's sequence goes on (dedup state is kept).
        Assert.Equal(100, await EventStreamer.SendAsync(collector.GrpcUri, "budget-age", 1_001, 100, batchSize: 100));
        Assert.Equal(0, await EventStreamer.SendAsync(collector.GrpcUri, "budget-age", 901, 100, batchSize: 100));
    }

    [Fact]
    public async Task CoreWithClickHouseAway_PastTheBudget_WhatReachesClickHouseAndWhatIsCountedIsEverything()
    {
        const int Count = 40_000;
        await using var clickHouse = await ClickHouseServer.StartAsync();
        using var database = await clickHouse.CreateDatabaseAsync();
        using var collector = await CollectorProcess.StartAsync(
            _data.Path,
            "--clickhouse-url", clickHouse.Url.ToString(),
            "--clickhouse-database", database.Database,
            "--log-budget-bytes", Budget.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--clickhouse-max-backoff-ms", "300");
        await clickHouse.StopAsync();

        Assert.Equal(Count, await EventStreamer.SendAsync(collector.GrpcUri, "budget-core", 1, Count, batchSize: 100));
        var metrics = await WaitForMetricsAsync(collector, m => m.Value("collector_log_bytes") <= Budget && Dropped(m) > 0, "the log back within its budget");
        var dropped = (long)Dropped(metrics);

        await clickHouse.RestartAsync();
        var stored = await WaitForRowsAsync(database, Count - dropped);
        Assert.Equal(stored.Count, stored.Distinct().Count());
        Assert.All(stored, s => Assert.InRange(s, 1UL, (ulong)Count));

        // Every acknowledged event is in ClickHouse or counted; the counter may include a few events the batcher had
        // already read into memory and inserted once ClickHouse was back (it counts from its last completed entry).
        Assert.True(stored.Count + dropped >= Count, $"{stored.Count} stored + {dropped} counted < {Count} acknowledged");
        Assert.Contains((ulong)Count, stored);
    }

    private static double Dropped(ScrapedMetrics metrics) => metrics.Value("collector_dropped_events_total", "reason=log_budget");

    private static async Task<ScrapedMetrics> WaitForMetricsAsync(CollectorProcess collector, Func<ScrapedMetrics, bool> condition, string what)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var metrics = new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));
            if (condition(metrics))
            {
                return metrics;
            }

            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for {what}:\n{metrics.Text}");
            await Task.Delay(250);
        }
    }

    private static async Task<List<ulong>> WaitForRowsAsync(Collector.Storage.ClickHouse.ClickHouseClient database, long atLeast)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while ((await SequencesAsync(database)).Count < atLeast && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
        }

        // A moment more, so a last insert in flight is seen too.
        await Task.Delay(2_000);
        return await SequencesAsync(database);
    }

    private static async Task<List<ulong>> SequencesAsync(Collector.Storage.ClickHouse.ClickHouseClient database) =>
        (await database.QueryAsync("SELECT toString(sequence) AS s FROM events"))
            .Select(row => ulong.Parse(row.GetProperty("s").GetString()!, System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
