using Collector.Tests.Infrastructure;

namespace Collector.Tests.Metrics;

/// <summary>
/// The labels of request metrics on an in-process collector (other collectors run in this process meanwhile; their
/// requests must not show up here): method paths and route patterns, never raw paths; status names and codes.
/// </summary>
public sealed class RequestLabelTests : CollectorTest
{
    private const string Send = "/telemetry.v1.Collector/Send";

    [Fact]
    public async Task Scrape_UnknownGrpcMethod_CountedAsUnknownUnimplementedWithoutItsPath()
    {
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, "/nope.v1.Svc/Random-4711", RawGrpc.Frame([]));

        var metrics = await ScrapeAsync();

        Assert.Equal("12", response.GrpcStatus);
        Assert.Equal(1, metrics.Value("collector_requests_total", "method=unknown", "code=UNIMPLEMENTED"));
        Assert.DoesNotContain("Random-4711", metrics.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scrape_SendWithABatchThatIsNotProtobuf_InvalidArgumentUnderTheMethodPath()
    {
        // Field 1 (source_id), length-delimited, claiming 127 bytes of which none follow.
        var response = await RawGrpc.PostAsync(Collector.GrpcUri, Send, RawGrpc.Frame([0x0A, 0x7F]));

        var metrics = await ScrapeAsync();

        Assert.Equal("3", response.GrpcStatus);
        Assert.Equal(1, metrics.Value("collector_requests_total", $"method={Send}", "code=INVALID_ARGUMENT"));
        Assert.Equal(1, metrics.Value("collector_request_duration_seconds_count", $"method={Send}"));
        Assert.Equal(0, metrics.Value("collector_active_streams"));
        Assert.Equal(0, metrics.Value("collector_errors_total", "component=grpc"));
    }

    [Fact]
    public async Task Scrape_HttpRequests_RoutePatternOrUnmatchedWithStatusCode()
    {
        using var http = new HttpClient();
        using var health = await http.GetAsync(new Uri(Collector.HttpUri, "/healthcheck?probe=1"));
        using var missing = await http.GetAsync(new Uri(Collector.HttpUri, "/no/such/page-4711"));

        // No ClickHouse configured: the query API answers 503, which counts as an HTTP error.
        using var footprint = await http.GetAsync(new Uri(Collector.HttpUri, "/telemetry/footprint"));

        var metrics = await ScrapeAsync();

        Assert.Equal(1, metrics.Value("collector_requests_total", "method=/healthcheck", "code=200"));
        Assert.Equal(1, metrics.Value("collector_requests_total", "method=unmatched", "code=404"));
        Assert.Equal(1, metrics.Value("collector_requests_total", "method=/telemetry/footprint", "code=503"));
        Assert.Equal(1, metrics.Value("collector_errors_total", "component=http"));
        Assert.DoesNotContain("page-4711", metrics.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("probe", metrics.Text, StringComparison.Ordinal);
    }

    private async Task<ScrapedMetrics> ScrapeAsync()
    {
        using var http = new HttpClient();
        return new ScrapedMetrics(await http.GetStringAsync(new Uri(Collector.HttpUri, "/metrics")));
    }
}
