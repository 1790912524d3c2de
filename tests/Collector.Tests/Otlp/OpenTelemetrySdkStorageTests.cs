using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Collector.Tests.Otlp;

/// <summary>
/// The OpenTelemetry .NET SDK sending all three signals to one collector process that stores into a real
/// ClickHouse, over gRPC and over HTTP: no export fails, and every value is in its table as the SDK was given it.
/// </summary>
[Collection("clickhouse")]
public sealed class OpenTelemetrySdkStorageTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task OtlpExporter_MetricsAndTraces_RowsInClickHouseAsSent(OtlpExportProtocol protocol)
    {
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100");
        var service = $"sdk-{protocol}".ToLowerInvariant();
        Uri Endpoint(string path) => protocol == OtlpExportProtocol.Grpc ? collector.GrpcUri : new Uri(collector.HttpUri, path);

        using var meter = new Meter($"Sdk.Meter.{protocol}", "3.1");
        var orders = meter.CreateCounter<long>("orders");
        var duration = meter.CreateHistogram<double>("checkout.duration", "ms");
        var payload = meter.CreateHistogram<double>("payload.size", "By");
        using (var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(service))
            .AddMeter(meter.Name)
            .AddView("checkout.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [10, 50, 100] })
            .AddView("payload.size", new Base2ExponentialBucketHistogramConfiguration())
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = Endpoint("/v1/metrics");
                exporter.Protocol = protocol;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 600_000;
            })
            .Build())
        {
            orders.Add(3, new KeyValuePair<string, object?>("region", "eu"));
            orders.Add(4, new KeyValuePair<string, object?>("region", "eu"));
            foreach (var value in new[] { 5.0, 20, 75, 500 })
            {
                duration.Record(value);
            }

            payload.Record(4096);
            Assert.True(provider.ForceFlush(30_000), "the SDK's metrics export did not succeed");
        }

        using var source = new ActivitySource($"Sdk.Traces.{protocol}");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        string traceId, rootId, childId;
        using (var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(service))
            .AddSource(source.Name)
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = Endpoint("/v1/traces");
                exporter.Protocol = protocol;
                exporter.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using (var root = source.StartActivity("checkout", ActivityKind.Server)!)
            {
                traceId = root.TraceId.ToHexString();
                rootId = root.SpanId.ToHexString();
                using var child = source.StartActivity("charge", ActivityKind.Client, root.Context, links: [new ActivityLink(linked, new ActivityTagsCollection { ["reason"] = "retry" })])!;
                childId = child.SpanId.ToHexString();
                child.SetTag("amount", 12.5);
                child.AddEvent(new ActivityEvent("card.declined", tags: new ActivityTagsCollection { ["code"] = "51" }));
                child.SetStatus(ActivityStatusCode.Error, "declined");
            }

            Assert.True(tracer.ForceFlush(30_000), "the SDK's trace export did not succeed");
        }

        // The provider exports once more when disposed: the latest point of each series is the one to check.
        var points = await QueryUntilAsync($"SELECT * FROM {MetricPointsTable.Name} WHERE service = {SqlText.Literal(service)} ORDER BY ts_ns DESC", 3);
        JsonElement Latest(string name) => points.First(p => Text(p, "name") == name);

        var eu = Latest("orders");
        Assert.Equal(("2", "2", "1", "1", "7"), (Text(eu, "kind"), Text(eu, "temporality"), Text(eu, "monotonic"), Text(eu, "value_is_int"), Text(eu, "value_int")));
        Assert.Equal("eu", Attribute(eu, "region"));
        Assert.Equal("dotnet", Attribute(eu, "resource.telemetry.sdk.language"));
        Assert.Equal(meter.Name, Attribute(eu, "otel.scope.name"));

        var histogram = Latest("checkout.duration");
        Assert.Equal(("3", "4", 600.0, 5.0, 500.0, "ms"), (Text(histogram, "kind"), Text(histogram, "count"), histogram.GetProperty("sum").GetDouble(), histogram.GetProperty("min").GetDouble(), histogram.GetProperty("max").GetDouble(), Text(histogram, "unit")));
        Assert.Equal([10.0, 50, 100], histogram.GetProperty("explicit_bounds").EnumerateArray().Select(e => e.GetDouble()));
        Assert.Equal(["1", "1", "1", "1"], histogram.GetProperty("bucket_counts").EnumerateArray().Select(e => e.ToString()));

        var exponential = Latest("payload.size");
        Assert.Equal(("4", "1", 4096.0), (Text(exponential, "kind"), Text(exponential, "count"), exponential.GetProperty("sum").GetDouble()));
        Assert.Equal(1ul, exponential.GetProperty("positive_counts").EnumerateArray().Aggregate(0ul, (a, e) => a + ulong.Parse(e.ToString(), System.Globalization.CultureInfo.InvariantCulture)));

        var spans = await QueryUntilAsync($"SELECT * FROM {SpansTable.Name} WHERE trace_id = {SqlText.Literal(traceId)} ORDER BY ts_ns", 2);
        Assert.Equal(2, spans.Count);
        var rootRow = spans.Single(s => Text(s, "span_id") == rootId);
        Assert.Equal(("checkout", "2", string.Empty, service), (Text(rootRow, "name"), Text(rootRow, "kind"), Text(rootRow, "parent_span_id"), Text(rootRow, "service")));
        var childRow = spans.Single(s => Text(s, "span_id") == childId);
        Assert.Equal(("charge", "3", rootId, "2", "declined", "12.5"), (Text(childRow, "name"), Text(childRow, "kind"), Text(childRow, "parent_span_id"), Text(childRow, "status_code"), Text(childRow, "status_message"), Attribute(childRow, "amount")));
        Assert.Equal(ulong.Parse(Text(childRow, "end_ns"), System.Globalization.CultureInfo.InvariantCulture) - ulong.Parse(Text(childRow, "ts_ns"), System.Globalization.CultureInfo.InvariantCulture), ulong.Parse(Text(childRow, "duration_ns"), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["card.declined"], childRow.GetProperty("event_names").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("51", JsonDocument.Parse(childRow.GetProperty("event_attributes")[0].GetString()!).RootElement.GetProperty("code").GetString());
        Assert.Equal([linked.TraceId.ToHexString()], childRow.GetProperty("link_trace_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([linked.SpanId.ToHexString()], childRow.GetProperty("link_span_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("retry", JsonDocument.Parse(childRow.GetProperty("link_attributes")[0].GetString()!).RootElement.GetProperty("reason").GetString());

        // And the read API gives them back.
        using var http = new HttpClient();
        using var trace = JsonDocument.Parse(await http.GetStringAsync(new Uri(collector.HttpUri, $"/telemetry/traces/{traceId}")));
        var traceSpans = trace.RootElement.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal([rootId], trace.RootElement.GetProperty("roots").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal((rootId, "client", "error"), (traceSpans[1].GetProperty("parent_span_id").GetString(), traceSpans[1].GetProperty("kind").GetString(), traceSpans[1].GetProperty("status").GetString()));
        using var series = JsonDocument.Parse(await http.GetStringAsync(new Uri(collector.HttpUri, $"/telemetry/metrics?name=orders&service={service}&attr.region=eu&from={DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds()}&to={DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeSeconds()}")));
        Assert.Equal(("sum", "cumulative"), (series.RootElement.GetProperty("kind").GetString(), series.RootElement.GetProperty("temporality").GetString()));
        var last = Assert.Single(series.RootElement.GetProperty("series").EnumerateArray()).GetProperty("points").EnumerateArray().Last();
        Assert.Equal(7, last.GetProperty("value").GetDouble());
        await collector.StopAsync();
    }

    private static string Text(JsonElement row, string column) => row.GetProperty(column).ToString();

    private static string? Attribute(JsonElement row, string key)
    {
        var keys = row.GetProperty("attribute_keys").EnumerateArray().Select(k => k.GetString()).ToList();
        var index = keys.IndexOf(key);
        return index < 0 ? null : row.GetProperty("attribute_values")[index].GetString();
    }

    /// <summary>Asks until the query answers at least <paramref name="expected"/> rows (60 s at most).</summary>
    private async Task<IReadOnlyList<JsonElement>> QueryUntilAsync(string sql, int expected)
    {
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            IReadOnlyList<JsonElement> rows = [];
            try
            {
                rows = await client.QueryAsync(sql);
            }
            catch (ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The tables appear once the collector has created the schema.
            }

            if (rows.Count >= expected || DateTime.UtcNow > deadline)
            {
                return rows;
            }

            await Task.Delay(100);
        }
    }
}
