using Collector.Tests.Infrastructure;

namespace Collector.Tests.Metrics;

/// <summary>A real Prometheus (Debian's) scrapes a real collector and answers PromQL over what it scraped.</summary>
public sealed class PrometheusScrapeTests : IDisposable
{
    private const int Events = 1_500;
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task PromQl_AfterEventsSent_PrometheusSeesTheAcceptedCount()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        using var prometheus = await PrometheusServer.StartAsync(collector.HttpUri);

        Assert.Equal(Events, await EventStreamer.SendAsync(collector.GrpcUri, "prom-a", 1, Events, 300));
        Assert.Equal(0, await EventStreamer.SendAsync(collector.GrpcUri, "prom-a", 1, 300, 300));

        await prometheus.WaitForValueAsync("up{job=\"collector\"}", 1, TimeSpan.FromSeconds(30));
        await prometheus.WaitForValueAsync("sum(collector_events_received_total{outcome=\"accepted\"})", Events, TimeSpan.FromSeconds(30));
        await prometheus.WaitForValueAsync("collector_events_received_total{protocol=\"grpc\",outcome=\"duplicate\"}", 300, TimeSpan.FromSeconds(30));

        // OK, or CANCELLED when the client closes its side before the trailers: either way two calls.
        await prometheus.WaitForValueAsync("sum(collector_requests_total{method=\"/telemetry.v1.Collector/Stream\"})", 2, TimeSpan.FromSeconds(30));

        // A histogram Prometheus can take a quantile of: six Acks (five batches and the resend) went into it.
        await prometheus.WaitForValueAsync("collector_ack_latency_seconds_count", 6, TimeSpan.FromSeconds(30));
        var p99 = await prometheus.QueryAsync("histogram_quantile(0.99, collector_ack_latency_seconds_bucket)");
        Assert.Single(p99);
        Assert.True(p99[0] > 0 && p99[0] <= 10, $"p99 ack latency {p99[0]}");
        await collector.StopAsync();
    }
}
