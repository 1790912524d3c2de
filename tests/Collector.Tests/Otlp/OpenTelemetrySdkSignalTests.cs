using System.Diagnostics;
using System.Diagnostics.Metrics;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using MetricPoint = Collector.Protocol.Telemetry.V1.MetricPoint;
using SpanKind = Collector.Protocol.Telemetry.V1.SpanKind;

namespace Collector.Tests.Otlp;

/// <summary>
/// The OpenTelemetry .NET SDK's own OTLP exporter (gRPC and HTTP/protobuf) sending metrics of every kind it makes
/// and traces with events, links and a parent to a real collector; what the durable log holds is checked field by
/// field against what the SDK was given.
/// </summary>
public sealed class OpenTelemetrySdkSignalTests : CollectorTest
{
    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task OtlpExporter_MetricsOfEveryKind_PointsLoggedAsSent(OtlpExportProtocol protocol)
    {
        var service = $"meter-{protocol}".ToLowerInvariant();
        using var meter = new Meter("Shop.Metrics", "1.2.3");
        var orders = meter.CreateCounter<long>("orders", "{order}", "orders placed");
        var depth = meter.CreateUpDownCounter<long>("queue.depth");
        var duration = meter.CreateHistogram<double>("checkout.duration", "ms");
        var payload = meter.CreateHistogram<double>("payload.size", "By");
        meter.CreateObservableGauge("temperature", () => new Measurement<double>(21.5, new KeyValuePair<string, object?>("room", "lab")));

        using (var provider = Sdk.CreateMeterProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(service))
            .AddMeter(meter.Name)
            .AddView("checkout.duration", new ExplicitBucketHistogramConfiguration { Boundaries = [10, 50, 100] })
            .AddView("payload.size", new Base2ExponentialBucketHistogramConfiguration { MaxSize = 160 })
            .AddOtlpExporter((exporter, reader) =>
            {
                exporter.Endpoint = Endpoint(protocol, "/v1/metrics");
                exporter.Protocol = protocol;

                // Only the explicit flush below exports.
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = 600_000;
                reader.TemporalityPreference = MetricReaderTemporalityPreference.Cumulative;
            })
            .Build())
        {
            orders.Add(3, new KeyValuePair<string, object?>("region", "eu"));
            orders.Add(4, new KeyValuePair<string, object?>("region", "eu"));
            orders.Add(5, new KeyValuePair<string, object?>("region", "us"));
            depth.Add(10);
            depth.Add(-3);
            foreach (var value in new[] { 5.0, 20, 75, 500 })
            {
                duration.Record(value);
            }

            foreach (var value in new[] { 1.0, 2, 4, 1000 })
            {
                payload.Record(value);
            }

            Assert.True(provider.ForceFlush(30_000), "the SDK's export did not succeed");
        }

        var points = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.Event.Metric is not null).ToList();
        Assert.All(points, p =>
        {
            Assert.Equal($"otlp/{service}", p.SourceId);
            Assert.Equal("metric", p.Event.EventType);
            Assert.Equal(service, p.Event.Service);
            Assert.Equal("Shop.Metrics", p.Event.Attributes["otel.scope.name"]);
            Assert.Equal("1.2.3", p.Event.Attributes["otel.scope.version"]);
            Assert.Equal("dotnet", p.Event.Attributes["resource.telemetry.sdk.language"]);
            Assert.InRange(p.Event.TimeUnixNano, NowNs() - 300_000_000_000, NowNs());
        });

        var eu = Point(points, "orders", "region", "eu");
        Assert.Equal((MetricKind.Sum, 2u, true, 7L), (eu.Kind, eu.Temporality, eu.Monotonic, eu.AsInt));
        Assert.Equal(("{order}", "orders placed"), (eu.Unit, eu.Description));
        Assert.True(eu.StartTimeUnixNano > 0);
        Assert.Equal(5L, Point(points, "orders", "region", "us").AsInt);

        var queue = Point(points, "queue.depth");
        Assert.Equal((MetricKind.Sum, false, 7L), (queue.Kind, queue.Monotonic, queue.AsInt));

        var temperature = Point(points, "temperature", "room", "lab");
        Assert.Equal((MetricKind.Gauge, MetricPoint.NumberOneofCase.AsDouble, 21.5), (temperature.Kind, temperature.NumberCase, temperature.AsDouble));

        var histogram = Point(points, "checkout.duration");
        Assert.Equal((MetricKind.Histogram, 2u, 4ul, 600.0, 5.0, 500.0), (histogram.Kind, histogram.Temporality, histogram.Count, histogram.Sum, histogram.Min, histogram.Max));
        Assert.Equal([10.0, 50, 100], histogram.ExplicitBounds);
        Assert.Equal([1ul, 1, 1, 1], histogram.BucketCounts);
        Assert.Equal("ms", histogram.Unit);

        var exponential = Point(points, "payload.size");
        Assert.Equal((MetricKind.ExponentialHistogram, 4ul, 1007.0, 1.0, 1000.0), (exponential.Kind, exponential.Count, exponential.Sum, exponential.Min, exponential.Max));
        Assert.Equal(4ul, exponential.ZeroCount + exponential.PositiveCounts.Aggregate(0ul, (a, b) => a + b));
        Assert.Empty(exponential.NegativeCounts);
        AssertExponentialBucketsHold(exponential, [1.0, 2, 4, 1000]);
    }

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc)]
    [InlineData(OtlpExportProtocol.HttpProtobuf)]
    public async Task OtlpExporter_TraceWithEventsLinksAndParent_SpansLoggedAsSent(OtlpExportProtocol protocol)
    {
        var service = $"tracer-{protocol}".ToLowerInvariant();
        using var source = new ActivitySource($"Shop.Traces.{protocol}", "2.0");
        var linked = new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
        string traceId, parentId, childId;
        using (var tracer = Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService(service))
            .AddSource(source.Name)
            .AddOtlpExporter(exporter =>
            {
                exporter.Endpoint = Endpoint(protocol, "/v1/traces");
                exporter.Protocol = protocol;
                exporter.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            using (var parent = source.StartActivity("checkout", ActivityKind.Server)!)
            {
                parent.SetTag("cart.items", 3);
                parent.SetTag("user", "ada");
                traceId = parent.TraceId.ToHexString();
                parentId = parent.SpanId.ToHexString();
                var retryLink = new ActivityLink(linked, new ActivityTagsCollection { ["reason"] = "retry" });
                using var child = source.StartActivity("charge", ActivityKind.Client, parent.Context, links: [retryLink])!;
                childId = child.SpanId.ToHexString();
                child.AddEvent(new ActivityEvent("card.declined", tags: new ActivityTagsCollection { ["code"] = "51" }));
                child.SetStatus(ActivityStatusCode.Error, "declined");
            }

            Assert.True(tracer.ForceFlush(30_000), "the SDK's export did not succeed");
        }

        var spans = (await LogContents.ReadAsync(Collector.App.Log)).Where(e => e.Event.Span is not null).ToList();
        Assert.Equal(2, spans.Count);
        Assert.All(spans, s =>
        {
            Assert.Equal($"otlp/{service}", s.SourceId);
            Assert.Equal(("span", service, traceId), (s.Event.EventType, s.Event.Service, Hex(s.Event.TraceId)));
            Assert.Equal(source.Name, s.Event.Attributes["otel.scope.name"]);
            Assert.Equal("2.0", s.Event.Attributes["otel.scope.version"]);
            Assert.True(s.Event.Span.EndTimeUnixNano >= s.Event.TimeUnixNano);
            Assert.InRange(s.Event.TimeUnixNano, NowNs() - 300_000_000_000, NowNs());
        });

        var root = spans.Single(s => s.Event.Span.Name == "checkout").Event;
        Assert.Equal((parentId, string.Empty, SpanKind.Server, SpanStatus.Unset), (Hex(root.SpanId), Hex(root.Span.ParentSpanId), root.Span.Kind, root.Span.StatusCode));
        Assert.Equal(("3", "ada"), (root.Attributes["cart.items"], root.Attributes["user"]));

        var charge = spans.Single(s => s.Event.Span.Name == "charge").Event;
        Assert.Equal((childId, parentId, SpanKind.Client), (Hex(charge.SpanId), Hex(charge.Span.ParentSpanId), charge.Span.Kind));
        Assert.Equal((SpanStatus.Error, "declined"), (charge.Span.StatusCode, charge.Span.StatusMessage));
        var spanEvent = Assert.Single(charge.Span.Events);
        Assert.Equal(("card.declined", "51"), (spanEvent.Name, spanEvent.Attributes["code"]));
        Assert.InRange(spanEvent.TimeUnixNano, charge.TimeUnixNano, charge.Span.EndTimeUnixNano);
        var link = Assert.Single(charge.Span.Links);
        Assert.Equal((linked.TraceId.ToHexString(), linked.SpanId.ToHexString(), "retry"), (Hex(link.TraceId), Hex(link.SpanId), link.Attributes["reason"]));
    }

    /// <summary>Every recorded value lies in a bucket the point counts: (base^(offset+i), base^(offset+i+1)].</summary>
    private static void AssertExponentialBucketsHold(MetricPoint point, double[] values)
    {
        var scaleBase = Math.Pow(2, Math.Pow(2, -point.Scale));
        foreach (var value in values)
        {
            var index = (int)Math.Ceiling(Math.Log(value, scaleBase)) - 1 - point.PositiveOffset;
            var near = Enumerable.Range(index - 1, 3).Where(i => i >= 0 && i < point.PositiveCounts.Count);
            Assert.Contains(near, i => point.PositiveCounts[i] > 0);
        }
    }

    /// <summary>The series' latest point: the provider exports once more when it is disposed, the same cumulative values.</summary>
    private static MetricPoint Point(List<StoredEvent> points, string name, string? key = null, string? value = null) =>
        points.Where(p => p.Event.Metric.Name == name && (key is null || p.Event.Attributes.GetValueOrDefault(key) == value)).MaxBy(p => p.Event.TimeUnixNano)!.Event.Metric;

    private Uri Endpoint(OtlpExportProtocol protocol, string path) =>
        protocol == OtlpExportProtocol.Grpc ? Collector.GrpcUri : new Uri(Collector.HttpUri, path);

    private static string Hex(Google.Protobuf.ByteString id) => Convert.ToHexStringLower(id.ToByteArray());

    private static ulong NowNs() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
}
