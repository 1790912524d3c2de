using Collector.Host.Metrics;

namespace Collector.Tests.Metrics;

public sealed class PrometheusNamingTests
{
    [Theory]
    [InlineData("collector.events.received", "{event}", true, "collector_events_received_total")]
    [InlineData("collector.bytes.received", "By", true, "collector_bytes_received_total")]
    [InlineData("collector.log.bytes", "By", false, "collector_log_bytes")]
    [InlineData("collector.request.duration", "s", false, "collector_request_duration_seconds")]
    [InlineData("collector.active_streams", "{stream}", false, "collector_active_streams")]
    [InlineData("collector.footprint.max_raw_bytes", "By", false, "collector_footprint_max_raw_bytes")]
    [InlineData("collector.query.degradation_threshold", "%", false, "collector_query_degradation_threshold_percent")]
    [InlineData("collector.efficiency.baseline", "ms/{token}", false, "collector_efficiency_baseline_ms_per_token")]
    [InlineData("collector.forwarder.connected", "1", false, "collector_forwarder_connected")]
    [InlineData("x.requests_total", "{request}", true, "x_requests_total")]
    [InlineData("http.server-time..ms", "ms", false, "http_server_time_ms_milliseconds")]
    [InlineData("9lives", null, false, "_9lives")]
    public void MetricName_OtelStyleInstrument_PrometheusName(string instrument, string? unit, bool counter, string expected) =>
        Assert.Equal(expected, PrometheusNaming.MetricName(instrument, unit, counter));
}
