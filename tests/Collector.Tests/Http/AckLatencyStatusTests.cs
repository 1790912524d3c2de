using System.Globalization;
using System.Text.Json;
using Collector.Host.Metrics;
using Collector.Tests.Infrastructure;
using Collector.Tests.Metrics;

namespace Collector.Tests.Http;

/// <summary>
/// /telemetry/status's ack_latency against the collector.ack.latency histogram of /metrics: within its first minute the
/// window holds every Ack the histogram counted, so the count and the quantiles must be the histogram's.
/// </summary>
public sealed class AckLatencyStatusTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Status_AfterTraffic_AckLatencyMatchesTheMetricsHistogram()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        Assert.Equal(4_000, await EventStreamer.SendAsync(collector.GrpcUri, "ack-latency", 1, 4_000, batchSize: 100));

        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/telemetry/status", UriKind.Relative))).RootElement;
        var metrics = await MetricsEndToEndTests.ScrapeAsync(collector);

        var ack = status.GetProperty("ack_latency");
        var buckets = metrics.Samples
            .Where(s => s.Name == "collector_ack_latency_seconds_bucket")
            .Select(s => (Bound: double.Parse(s.Labels["le"].Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture), Cumulative: (long)s.Value))
            .OrderBy(b => b.Bound)
            .ToArray();
        var bounds = buckets.Where(b => !double.IsInfinity(b.Bound)).Select(b => b.Bound).ToArray();
        var counts = buckets.Select((b, i) => b.Cumulative - (i == 0 ? 0 : buckets[i - 1].Cumulative)).ToArray();

        Assert.Equal(60, ack.GetProperty("window_seconds").GetInt32());
        Assert.Equal(40, ack.GetProperty("acks").GetInt64());
        Assert.Equal((long)metrics.Value("collector_ack_latency_seconds_count"), ack.GetProperty("acks").GetInt64());
        foreach (var (field, quantile) in new[] { ("p50_ms", 0.50), ("p95_ms", 0.95), ("p99_ms", 0.99) })
        {
            var shown = ack.GetProperty(field).GetDouble();
            var expected = HistogramQuantile.Estimate(bounds, counts, quantile)!.Value * 1000;
            Assert.Equal(Math.Round(expected, 3), shown);

            // Independently of the estimate: the figure lies in the bucket that holds the quantile's rank.
            var rank = quantile * counts.Sum();
            var bucket = Array.FindIndex(buckets, b => b.Cumulative >= rank);
            var upper = bucket < bounds.Length ? bounds[bucket] : bounds[^1];
            var lower = bucket == 0 ? 0 : bounds[Math.Min(bucket, bounds.Length) - 1];
            Assert.InRange(shown, lower * 1000, upper * 1000);
        }

        await collector.StopAsync();
    }
}
