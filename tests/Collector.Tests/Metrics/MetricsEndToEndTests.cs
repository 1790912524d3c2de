using System.Diagnostics;
using Collector.Host.Metrics;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Metrics;

/// <summary>
/// /metrics of a real collector process that stores into ClickHouse and forwards to an upstream collector, after real
/// traffic: Debian's promtool accepts the text without a complaint, and the values are what the test did.
/// </summary>
[Collection("clickhouse")]
public sealed class MetricsEndToEndTests(ClickHouseFixture fixture) : IDisposable
{
    private const int Events = 2_000;
    private const int BatchSize = 500;
    private const int Resent = 500;
    private const string Stream = "/telemetry.v1.Collector/Stream";

    // Every family the issue asks for by name; each must have at least one sample after the traffic below.
    private static readonly string[] RequiredFamilies =
    [
        "collector_uptime_seconds", "collector_events_received_total", "collector_bytes_received_total", "collector_requests_total",
        "collector_request_duration_seconds", "collector_ack_latency_seconds", "collector_active_streams", "collector_log_bytes",
        "collector_log_commit_duration_seconds", "collector_batcher_lag_events", "collector_clickhouse_insert_duration_seconds",
        "collector_clickhouse_rows_inserted_total", "collector_clickhouse_errors_total", "collector_forwarder_events_forwarded_total",
        "collector_forwarder_backlog_entries", "collector_dropped_events_total", "collector_errors_total",
        "collector_footprint_max_raw_bytes", "collector_footprint_max_raw_rows",
    ];

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Scrape_AfterStoringForwardingAndAResend_PromtoolCleanAndValuesMatchTraffic()
    {
        using var upstream = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "upstream"));
        using var collector = await CollectorProcess.StartCoreAsync(Path.Combine(_data.Path, "collector"), fixture.Server, upstream);

        Assert.Equal(Events, await EventStreamer.SendAsync(collector.GrpcUri, "metrics-a", 1, Events, BatchSize));
        Assert.Equal(0, await EventStreamer.SendAsync(collector.GrpcUri, "metrics-a", 1, Resent, BatchSize));
        await collector.WaitForHealthAsync(
            h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() == Events
                && h.GetProperty("forwarder").GetProperty("events_forwarded").GetInt64() == Events,
            TimeSpan.FromSeconds(60),
            "stored and forwarded");

        var metrics = await ScrapeAsync(collector);

        var (exitCode, complaints) = await PromtoolCheckAsync(metrics.Text);
        Assert.True(exitCode == 0 && complaints.Length == 0, $"promtool check metrics exited {exitCode}:\n{complaints}\n{metrics.Text}");
        var withSamples = metrics.Samples.Select(s => s.Name).ToHashSet();
        Assert.All(RequiredFamilies, family => Assert.Contains(family, metrics.Families));
        Assert.All(RequiredFamilies, family => Assert.Contains(withSamples, name => name == family || name == family + "_count"));

        Assert.Equal(Events, metrics.Value("collector_events_received_total", "protocol=grpc", "outcome=accepted"));
        Assert.Equal(Resent, metrics.Value("collector_events_received_total", "protocol=grpc", "outcome=duplicate"));
        Assert.Equal(0, metrics.Value("collector_events_received_total", "protocol=grpc", "outcome=rejected"));
        Assert.True(metrics.Value("collector_bytes_received_total", "protocol=grpc") > Events * 100);
        Assert.Equal(2, metrics.Samples.Where(s => s.Name == "collector_requests_total" && s.Labels["method"] == Stream).Sum(s => s.Value));
        Assert.Equal(2, metrics.Value("collector_request_duration_seconds_count", $"method={Stream}"));

        // One Ack per batch: four batches of new events, one batch of the resend.
        Assert.Equal((Events + Resent) / BatchSize, metrics.Value("collector_ack_latency_seconds_count"));
        Assert.Equal(0, metrics.Value("collector_active_streams"));
        Assert.True(metrics.Value("collector_log_commit_duration_seconds_count") >= 1);
        Assert.True(metrics.Value("collector_log_bytes") > 0);
        Assert.Equal(Events, metrics.Value("collector_clickhouse_rows_inserted_total", "table=events"));
        Assert.True(metrics.Value("collector_clickhouse_insert_duration_seconds_count", "table=events") >= 1);
        Assert.Equal(0, metrics.Value("collector_batcher_lag_events", "table=events"));
        Assert.Equal(0, metrics.Value("collector_batcher_lag_bytes", "table=events"));
        Assert.Equal(Events, metrics.Value("collector_forwarder_events_forwarded_total"));
        Assert.Equal(0, metrics.Value("collector_dropped_events_total", "reason=budget"));
        Assert.Equal(0, metrics.Value("collector_errors_total", "component=grpc"));
        Assert.Equal(104_857_600, metrics.Value("collector_footprint_max_raw_bytes"));
        Assert.Equal(1_000_000, metrics.Value("collector_footprint_max_raw_rows"));
        await collector.StopAsync();
    }

    [Fact]
    public async Task Scrape_BacklogFromAnEarlierRun_LagCountsItWhileClickHouseIsAwayThenDrainsToZero()
    {
        // Run 1 without ClickHouse keeps everything in the log; run 2's ClickHouse is unreachable, so its batcher
        // starts (and stays) behind by every event of run 1 plus those sent to it; run 3 stores them all.
        var dataDir = Path.Combine(_data.Path, "collector");
        using (var edge = await CollectorProcess.StartAsync(dataDir))
        {
            Assert.Equal(Events, await EventStreamer.SendAsync(edge.GrpcUri, "metrics-b", 1, Events, BatchSize));
            await edge.StopAsync();
        }

        var database = $"t_{Guid.NewGuid():N}";
        using (var away = await CollectorProcess.StartAsync(dataDir, "--clickhouse-url", $"http://127.0.0.1:{FreePort.Next()}", "--clickhouse-database", database))
        {
            Assert.Equal(BatchSize, await EventStreamer.SendAsync(away.GrpcUri, "metrics-b", Events + 1, BatchSize, BatchSize));
            var metrics = await WaitForScrapeAsync(
                away,
                m => m.Samples.Any(s => s.Name == "collector_batcher_lag_events") && m.Value("collector_errors_total", "component=clickhouse") >= 1,
                "backlog counted and a failed ClickHouse request");
            Assert.Equal(Events + BatchSize, metrics.Value("collector_batcher_lag_events", "table=events"));
            Assert.Equal(0, metrics.Value("collector_clickhouse_rows_inserted_total", "table=events"));
            Assert.True(metrics.Value("collector_clickhouse_errors_total", "table=events", "reason=transient") >= 1);
            Assert.True(metrics.Value("collector_errors_total", "component=clickhouse") >= 1);
            await away.StopAsync();
        }

        using var core = await CollectorProcess.StartAsync(
            dataDir, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", database, "--clickhouse-batch-delay-ms", "100");
        var drained = await WaitForScrapeAsync(
            core,
            m => m.Samples.Any(s => s.Name == "collector_batcher_lag_events" && s.Labels.GetValueOrDefault("table") == "events" && s.Value == 0),
            "the batcher's lag back to zero");
        Assert.Equal(Events + BatchSize, drained.Value("collector_clickhouse_rows_inserted_total", "table=events"));
        await core.StopAsync();
    }

    private static async Task<ScrapedMetrics> WaitForScrapeAsync(CollectorProcess collector, Func<ScrapedMetrics, bool> condition, string what)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var metrics = await ScrapeAsync(collector);
            if (condition(metrics))
            {
                return metrics;
            }

            Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(60), $"{what}: not reached in 60 s:\n{metrics.Text}\n{collector.Output}");
            await Task.Delay(50);
        }
    }

    internal static async Task<ScrapedMetrics> ScrapeAsync(CollectorProcess collector)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(collector.HttpUri, "/metrics"));
        response.EnsureSuccessStatusCode();
        Assert.Equal(PrometheusTextWriter.ContentType, response.Content.Headers.ContentType?.ToString());
        return new ScrapedMetrics(await response.Content.ReadAsStringAsync());
    }

    private static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string text)
    {
        const string Promtool = "/usr/bin/promtool";
        Assert.True(File.Exists(Promtool), $"{Promtool} is missing: run scripts/install-deps.sh --tests");
        var start = new ProcessStartInfo(Promtool, ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync();
        return (process.ExitCode, (await stdout + await stderr).Trim());
    }
}
