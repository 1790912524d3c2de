using Collector.Forwarder.Otlp.V1;
using Collector.Host.Otlp;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using static Collector.Tests.Otlp.OtlpEventMapperTests;
using MetricExemplar = Collector.Protocol.Telemetry.V1.MetricExemplar;

namespace Collector.Tests.Otlp;

/// <summary>The receiver's mapping of OTLP metrics to events carrying a MetricPoint: every kind, and what it rejects.</summary>
public sealed class OtlpMetricIngestMapperTests
{
    private const ulong Start = 1_700_000_000_000_000_000;
    private const ulong Time = 1_700_000_060_000_000_123;
    private static readonly byte[] TraceId = [.. Enumerable.Range(1, 16).Select(i => (byte)i)];
    private static readonly byte[] SpanId = [.. Enumerable.Range(1, 8).Select(i => (byte)(i * 3))];

    [Fact]
    public void Map_EveryKind_PointsAsSent()
    {
        var request = Request(
            new Metric { Name = "temp", Unit = "Cel", Gauge = new Gauge { DataPoints = { Number(21.5, "room", "lab") } } },
            new Metric
            {
                Name = "orders",
                Description = "orders placed",
                Sum = new Sum { AggregationTemporality = AggregationTemporality.Cumulative, IsMonotonic = true, DataPoints = { IntNumber(9_007_199_254_740_993, "region", "eu") } },
            },
            new Metric { Name = "queue", Sum = new Sum { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { Number(-3, "q", "a") } } },
            new Metric
            {
                Name = "latency",
                Histogram = new Histogram
                {
                    AggregationTemporality = AggregationTemporality.Delta,
                    DataPoints =
                    {
                        new HistogramDataPoint
                        {
                            StartTimeUnixNano = Start, TimeUnixNano = Time, Count = 6, Sum = 321.5, Min = 2, Max = 200, Flags = 0,
                            ExplicitBounds = { 10, 100 }, BucketCounts = { 2, 3, 1 },
                            Exemplars = { new Exemplar { TimeUnixNano = Time - 5, AsDouble = 200, TraceId = ByteString.CopyFrom(TraceId), SpanId = ByteString.CopyFrom(SpanId), FilteredAttributes = { Attr("user", Text("ada")) } } },
                        },
                    },
                },
            },
            new Metric
            {
                Name = "size",
                ExponentialHistogram = new ExponentialHistogram
                {
                    AggregationTemporality = AggregationTemporality.Cumulative,
                    DataPoints =
                    {
                        new ExponentialHistogramDataPoint
                        {
                            StartTimeUnixNano = Start, TimeUnixNano = Time, Count = 7, Sum = 70, Scale = 3, ZeroCount = 1, ZeroThreshold = 0.001,
                            Positive = new ExponentialHistogramDataPoint.Types.Buckets { Offset = -2, BucketCounts = { 1, 0, 4 } },
                            Negative = new ExponentialHistogramDataPoint.Types.Buckets { Offset = 5, BucketCounts = { 1 } },
                        },
                    },
                },
            },
            new Metric
            {
                Name = "rpc",
                Summary = new Summary
                {
                    DataPoints =
                    {
                        new SummaryDataPoint
                        {
                            StartTimeUnixNano = Start, TimeUnixNano = Time, Count = 10, Sum = 0,
                            QuantileValues = { new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.5, Value = 4 }, new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 0.99, Value = 9 } },
                        },
                    },
                },
            });

        var mapped = OtlpMetricMapper.Map(request);

        Assert.Equal(0, mapped.Rejected);
        var events = Assert.Single(mapped.Batches).Events;
        Assert.Equal("otlp/gpu-svc", mapped.Batches[0].SourceId);
        Assert.Equal(6, events.Count);
        Assert.All(events, e => Assert.Equal(("metric", "gpu-svc", Time, "node-3", "Gpu.Meter"), (e.EventType, e.Service, e.TimeUnixNano, e.Attributes["resource.host.name"], e.Attributes["otel.scope.name"])));

        Assert.Equal(new MetricPoint { Name = "temp", Unit = "Cel", Kind = MetricKind.Gauge, StartTimeUnixNano = Start, AsDouble = 21.5 }, events[0].Metric);
        Assert.Equal("lab", events[0].Attributes["room"]);
        Assert.Equal(new MetricPoint { Name = "orders", Description = "orders placed", Kind = MetricKind.Sum, Temporality = 2, Monotonic = true, StartTimeUnixNano = Start, AsInt = 9_007_199_254_740_993 }, events[1].Metric);
        Assert.Equal(new MetricPoint { Name = "queue", Kind = MetricKind.Sum, Temporality = 1, StartTimeUnixNano = Start, AsDouble = -3 }, events[2].Metric);

        var histogram = events[3].Metric;
        Assert.Equal((MetricKind.Histogram, 1u, 6ul, 321.5, 2.0, 200.0), (histogram.Kind, histogram.Temporality, histogram.Count, histogram.Sum, histogram.Min, histogram.Max));
        Assert.Equal([10.0, 100], histogram.ExplicitBounds);
        Assert.Equal([2ul, 3, 1], histogram.BucketCounts);
        var exemplar = Assert.Single(histogram.Exemplars);
        Assert.Equal(new MetricExemplar { TimeUnixNano = Time - 5, AsDouble = 200, TraceId = ByteString.CopyFrom(TraceId), SpanId = ByteString.CopyFrom(SpanId), FilteredAttributes = { ["user"] = "ada" } }, exemplar);

        var exponential = events[4].Metric;
        Assert.Equal((3, 1ul, 0.001, -2, 5), (exponential.Scale, exponential.ZeroCount, exponential.ZeroThreshold, exponential.PositiveOffset, exponential.NegativeOffset));
        Assert.Equal([1ul, 0, 4], exponential.PositiveCounts);
        Assert.Equal([1ul], exponential.NegativeCounts);
        Assert.False(exponential.HasMin, "min was not sent");

        var summary = events[5].Metric;
        Assert.Equal((MetricKind.Summary, 10ul, true, 0.0), (summary.Kind, summary.Count, summary.HasSum, summary.Sum));
        Assert.Equal([0.5, 0.99], summary.Quantiles);
        Assert.Equal([4.0, 9], summary.QuantileValues);
    }

    [Theory]
    [InlineData("histogram-shape", "metric.bucket_counts has 2 counts for 2 explicit_bounds; it must have 3")]
    [InlineData("bounds-order", "metric.explicit_bounds[1] is 5; bounds must be finite and strictly increasing")]
    [InlineData("nan", "metric.as_double is not a finite number")]
    [InlineData("quantile", "metric.quantiles[0] is 1.5; a quantile is in [0, 1]")]
    [InlineData("temporality", "metric.temporality 0 is neither delta (1) nor cumulative (2)")]
    [InlineData("no-name", "metric.name is empty")]
    [InlineData("exemplar-id", "metric.exemplars[0].trace_id is 3 bytes; it must be empty or 16 bytes")]
    [InlineData("scale", "metric.scale 21 is outside -10..20")]
    public void Map_BadPoint_RejectedAloneWithItsPlaceAndReason(string fault, string reason)
    {
        var bad = fault switch
        {
            "histogram-shape" => new Metric { Name = "h", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { new HistogramDataPoint { TimeUnixNano = Time, Count = 1, ExplicitBounds = { 1, 2 }, BucketCounts = { 1, 0 } } } } },
            "bounds-order" => new Metric { Name = "h", Histogram = new Histogram { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { new HistogramDataPoint { TimeUnixNano = Time, Count = 1, ExplicitBounds = { 10, 5 }, BucketCounts = { 1, 0, 0 } } } } },
            "nan" => new Metric { Name = "g", Gauge = new Gauge { DataPoints = { Number(double.NaN, "k", "v") } } },
            "quantile" => new Metric { Name = "s", Summary = new Summary { DataPoints = { new SummaryDataPoint { TimeUnixNano = Time, QuantileValues = { new SummaryDataPoint.Types.ValueAtQuantile { Quantile = 1.5, Value = 1 } } } } } },
            "temporality" => new Metric { Name = "c", Sum = new Sum { DataPoints = { Number(1, "k", "v") } } },
            "no-name" => new Metric { Gauge = new Gauge { DataPoints = { Number(1, "k", "v") } } },
            "exemplar-id" => new Metric { Name = "g", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = Time, AsDouble = 1, Exemplars = { new Exemplar { AsDouble = 1, TraceId = ByteString.CopyFrom(1, 2, 3) } } } } } },
            "scale" => new Metric { Name = "e", ExponentialHistogram = new ExponentialHistogram { AggregationTemporality = AggregationTemporality.Delta, DataPoints = { new ExponentialHistogramDataPoint { TimeUnixNano = Time, Scale = 21 } } } },
            _ => throw new ArgumentOutOfRangeException(nameof(fault)),
        };
        var good = new Metric { Name = "ok", Gauge = new Gauge { DataPoints = { Number(1, "k", "v") } } };

        var mapped = OtlpMetricMapper.Map(Request(good, bad, good));

        Assert.Equal(1, mapped.Rejected);
        Assert.Equal($"resource_metrics[0].scope_metrics[0].metrics[1].data_points[0]: {reason}", mapped.FirstRejection);
        Assert.Equal(2, mapped.Events);
    }

    [Fact]
    public void Map_SourceAndProvenanceAttributes_BackToTheirFields_OtherEventFieldNamesStayAttributes()
    {
        var point = Number(1, "telemetry.source.id", "gpu-node-7");
        point.Attributes.Add(Attr("telemetry.provenance.origin", Text("device:a")));
        point.Attributes.Add(Attr("event.type", Text("not-a-field-here")));

        var mapped = OtlpMetricMapper.Map(Request(new Metric { Name = "g", Gauge = new Gauge { DataPoints = { point } } }));

        var batch = Assert.Single(mapped.Batches);
        Assert.Equal("gpu-node-7", batch.SourceId);
        var evt = Assert.Single(batch.Events);
        Assert.Equal(("metric", "device:a", "not-a-field-here"), (evt.EventType, evt.Provenance.Origin, evt.Attributes["event.type"]));
        Assert.False(evt.Attributes.ContainsKey("telemetry.source.id"));
    }

    [Fact]
    public void Map_MetricWithoutData_NothingStoredNothingRejected()
    {
        var mapped = OtlpMetricMapper.Map(Request(new Metric { Name = "empty" }));

        Assert.Equal((0, 0), (mapped.Rejected, mapped.Events));
    }

    private static NumberDataPoint Number(double value, string key, string attribute) =>
        new() { StartTimeUnixNano = Start, TimeUnixNano = Time, AsDouble = value, Attributes = { Attr(key, Text(attribute)) } };

    private static NumberDataPoint IntNumber(long value, string key, string attribute) =>
        new() { StartTimeUnixNano = Start, TimeUnixNano = Time, AsInt = value, Attributes = { Attr(key, Text(attribute)) } };

    private static ExportMetricsServiceRequest Request(params Metric[] metrics) => new()
    {
        ResourceMetrics =
        {
            new ResourceMetrics
            {
                Resource = new Resource { Attributes = { Attr("service.name", Text("gpu-svc")), Attr("host.name", Text("node-3")) } },
                ScopeMetrics = { new ScopeMetrics { Scope = new InstrumentationScope { Name = "Gpu.Meter" }, Metrics = { metrics } } },
            },
        },
    };
}
