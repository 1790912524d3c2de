using System.Globalization;
using Collector.Tests.Infrastructure;
using Collector.Tests.SelfTelemetry.Otlp;

namespace Collector.Tests.SelfTelemetry;

/// <summary>
/// The collector's own spans, exported by the OpenTelemetry SDK to an OTLP receiver: an edge over OTLP/HTTP and a
/// core over OTLP/gRPC, so every span kind (stream, log commit, forward, ClickHouse insert) is produced for real.
/// </summary>
[Collection("clickhouse")]
public sealed class SelfTracingTests(ClickHouseFixture fixture) : IDisposable
{
    private const string TracesGrpcPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const string TracesHttpPath = "/v1/traces";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EdgeAndCore_SelfTracingOn_SpansForStreamCommitForwardAndInsertArrive()
    {
        await using var capture = await OtlpCaptureServer.StartAsync();
        using var core = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "core"), "--node-id", "core-1", "--clickhouse-url", fixture.Server.Url.ToString(),
            "--clickhouse-database", $"t_{Guid.NewGuid():N}", "--clickhouse-batch-delay-ms", "100",
            "--otel-endpoint", capture.GrpcEndpoint.ToString());
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"), "--node-id", "edge-1", "--upstream-url", core.GrpcUri.ToString(),
            "--otel-endpoint", capture.HttpEndpoint.ToString(), "--otel-protocol", "http/protobuf");

        Assert.Equal(300, await EventStreamer.SendAsync(edge.GrpcUri, "traced-source", 1, 300, batchSize: 100));
        await core.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 300, TimeSpan.FromSeconds(60), "rows in ClickHouse");

        var edgeSpans = await WaitForSpansAsync(capture, TracesHttpPath, "edge-1", ["telemetry.v1.Collector/Stream", "log.commit", "forward"]);

        // The forwarder's streams into the core live as long as the edge: their spans end when it stops.
        await edge.StopAsync();
        var coreSpans = await WaitForSpansAsync(capture, TracesGrpcPath, "core-1", ["telemetry.v1.Collector/Stream", "log.commit", "clickhouse.insert"]);

        // The client's stream: one span for its whole life, with what it carried.
        var stream = Assert.Single(edgeSpans, s => s.Name == "telemetry.v1.Collector/Stream");
        Assert.Equal(2, stream.Kind); // SPAN_KIND_SERVER
        Assert.Equal("300", Attribute(stream, "collector.events.accepted"));
        Assert.Equal("3", Attribute(stream, "collector.batches"));
        // OK, or CANCELLED when the test client resets the stream after its last Ack before the trailers arrive.
        Assert.Contains(Attribute(stream, "rpc.grpc.status_code"), new[] { "0", "1" });
        Assert.True(stream.EndTimeUnixNano > stream.StartTimeUnixNano);

        Assert.Equal(300, edgeSpans.Where(s => s.Name == "forward").Sum(s => long.Parse(Attribute(s, "collector.events")!, CultureInfo.InvariantCulture)));
        Assert.Equal(300, coreSpans.Where(s => s.Name == "clickhouse.insert").Sum(s => long.Parse(Attribute(s, "collector.rows")!, CultureInfo.InvariantCulture)));
        Assert.All(coreSpans.Where(s => s.Name == "clickhouse.insert"), s => Assert.Equal("clickhouse", Attribute(s, "db.system")));
        Assert.Equal(300, coreSpans.Where(s => s.Name == "telemetry.v1.Collector/Stream").Sum(s => long.Parse(Attribute(s, "collector.events.accepted") ?? "0", CultureInfo.InvariantCulture)));

        // The same instruments /metrics shows go out over OTLP (the final export happens at stop).
        await core.StopAsync();
        var metricBodies = await capture.WaitForAsync(
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
            bodies => MetricNamesOf(bodies, "core-1").Contains("collector.clickhouse.rows.inserted"),
            TimeSpan.FromSeconds(30),
            "core metrics");
        var metricNames = MetricNamesOf(metricBodies, "core-1");
        foreach (var name in new[] { "collector.events.received", "collector.log.commit.duration", "collector.request.duration", "collector.ack.latency", "collector.uptime" })
        {
            Assert.Contains(name, metricNames);
        }
    }

    [Fact]
    public async Task OtlpEndpointUnreachable_StartsIngestsAndWarns()
    {
        var closedPort = FreePort.Next();
        using var collector = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "alone"), "--otel-endpoint", $"http://127.0.0.1:{closedPort}", "--otel-metrics-interval-ms", "200");

        Assert.Equal(2_000, await EventStreamer.SendAsync(collector.GrpcUri, "untraced", 1, 2_000));
        var health = await collector.HealthAsync();
        Assert.Equal(2_000, health.GetProperty("ingest").GetProperty("accepted").GetInt64());

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!collector.Output.Contains("Self-telemetry export failed", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.Contains("Self-telemetry export failed", collector.Output, StringComparison.Ordinal);

        // At most one warning per minute, however often the exports fail.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, CountOf(collector.Output, "Self-telemetry export failed"));
        Assert.Equal("healthy", (await collector.HealthAsync()).GetProperty("status").GetString());
        await collector.StopAsync();
    }

    private static async Task<List<CapturedSpan>> WaitForSpansAsync(OtlpCaptureServer capture, string path, string nodeId, string[] names)
    {
        List<CapturedSpan> spans = [];
        try
        {
            await WaitAsync();
        }
        catch (TimeoutException ex)
        {
            var seen = string.Join(", ", spans.GroupBy(s => s.Name).Select(g => $"{g.Key} x{g.Count()}"));
            throw new TimeoutException($"{ex.Message}; spans of {nodeId} seen: {seen}", ex);
        }

        return spans;

        Task WaitAsync() => capture.WaitForAsync(
            path,
            bodies =>
            {
                spans = SpansOf(bodies, nodeId);
                return names.All(name => spans.Any(s => s.Name == name))
                    && spans.Where(s => s.Name == "forward").Sum(s => long.Parse(Attribute(s, "collector.events") ?? "0", CultureInfo.InvariantCulture)) >= (names.Contains("forward") ? 300 : 0)
                    && spans.Where(s => s.Name == "clickhouse.insert").Sum(s => long.Parse(Attribute(s, "collector.rows") ?? "0", CultureInfo.InvariantCulture)) >= (names.Contains("clickhouse.insert") ? 300 : 0);
            },
            TimeSpan.FromSeconds(30),
            $"spans {string.Join(", ", names)} of {nodeId}");
    }

    private static List<CapturedSpan> SpansOf(IEnumerable<byte[]> bodies, string nodeId) =>
        bodies.Select(ExportTraceRequest.Parser.ParseFrom)
            .SelectMany(r => r.ResourceSpans)
            .Where(r => r.Resource.Attributes.Any(a => a.Key == "service.instance.id" && a.Value.StringValue == nodeId))
            .SelectMany(r => r.ScopeSpans)
            .Where(s => s.Scope.Name == "Collector")
            .SelectMany(s => s.Spans)
            .ToList();

    private static HashSet<string> MetricNamesOf(IEnumerable<byte[]> bodies, string nodeId) =>
        bodies.Select(ExportMetricsRequest.Parser.ParseFrom)
            .SelectMany(r => r.ResourceMetrics)
            .Where(r => r.Resource.Attributes.Any(a => a.Key == "service.instance.id" && a.Value.StringValue == nodeId))
            .SelectMany(r => r.ScopeMetrics)
            .SelectMany(s => s.Metrics)
            .Select(m => m.Name)
            .ToHashSet(StringComparer.Ordinal);

    private static string? Attribute(CapturedSpan span, string key) =>
        span.Attributes.FirstOrDefault(a => a.Key == key)?.Value switch
        {
            null => null,
            { ValueCase: CapturedAnyValue.ValueOneofCase.StringValue } v => v.StringValue,
            { ValueCase: CapturedAnyValue.ValueOneofCase.IntValue } v => v.IntValue.ToString(CultureInfo.InvariantCulture),
            { ValueCase: CapturedAnyValue.ValueOneofCase.BoolValue } v => v.BoolValue ? "true" : "false",
            { } v => v.DoubleValue.ToString(CultureInfo.InvariantCulture),
        };

    private static int CountOf(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }
}
