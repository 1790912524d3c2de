using Collector.Forwarder.Otlp.V1;
using Google.Protobuf;

namespace Collector.Bench.OtlpLoad;

/// <summary>
/// Export requests shaped like an instrumented service's: one resource with a service name and SDK attributes, one
/// scope, and per item a few attributes. Metrics mix the kinds an SDK sends most (sums, histograms with 10 buckets,
/// gauges); spans have a parent and one event each. Each request's ids and times are fresh.
/// </summary>
internal static class OtlpRequests
{
    private static readonly double[] Bounds = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000];

    public static ExportLogsServiceRequest Logs(int items, long serial)
    {
        var scope = new ScopeLogs { Scope = Scope() };
        var now = Now();
        for (var i = 0; i < items; i++)
        {
            scope.LogRecords.Add(new LogRecord
            {
                TimeUnixNano = now + (ulong)i,
                SeverityNumber = SeverityNumber.Info,
                Body = Text($"request {serial}.{i} served"),
                Attributes = { Attr("http.route", "/v1/infer"), Attr("model", $"model-{i % 4}") },
            });
        }

        return new ExportLogsServiceRequest { ResourceLogs = { new ResourceLogs { Resource = Resource(), ScopeLogs = { scope } } } };
    }

    public static ExportMetricsServiceRequest Metrics(int items, long serial)
    {
        var scope = new ScopeMetrics { Scope = Scope() };
        var now = Now();
        for (var i = 0; i < items; i++)
        {
            var attributes = new[] { Attr("model", $"model-{i % 4}"), Attr("gpu", (i % 8).ToString(System.Globalization.CultureInfo.InvariantCulture)) };
            var metric = (i % 3) switch
            {
                0 => new Metric
                {
                    Name = "requests",
                    Sum = new Sum
                    {
                        AggregationTemporality = AggregationTemporality.Cumulative,
                        IsMonotonic = true,
                        DataPoints = { new NumberDataPoint { StartTimeUnixNano = now - 60_000_000_000, TimeUnixNano = now, AsInt = serial * 10 + i, Attributes = { attributes } } },
                    },
                },
                1 => new Metric
                {
                    Name = "latency",
                    Unit = "ms",
                    Histogram = new Histogram
                    {
                        AggregationTemporality = AggregationTemporality.Cumulative,
                        DataPoints =
                        {
                            new HistogramDataPoint
                            {
                                StartTimeUnixNano = now - 60_000_000_000, TimeUnixNano = now, Count = 55, Sum = 1234.5, Min = 0.5, Max = 900,
                                ExplicitBounds = { Bounds }, BucketCounts = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0 }, Attributes = { attributes },
                            },
                        },
                    },
                },
                _ => new Metric { Name = "vram.used", Unit = "By", Gauge = new Gauge { DataPoints = { new NumberDataPoint { TimeUnixNano = now, AsDouble = 1e9 + i, Attributes = { attributes } } } } },
            };
            scope.Metrics.Add(metric);
        }

        return new ExportMetricsServiceRequest { ResourceMetrics = { new ResourceMetrics { Resource = Resource(), ScopeMetrics = { scope } } } };
    }

    public static ExportTraceServiceRequest Traces(int items, long serial)
    {
        var scope = new ScopeSpans { Scope = Scope() };
        var now = Now();
        var traceId = Id(16, serial, 0);
        for (var i = 0; i < items; i++)
        {
            scope.Spans.Add(new Span
            {
                TraceId = traceId,
                SpanId = Id(8, serial, i + 1),
                ParentSpanId = i == 0 ? ByteString.Empty : Id(8, serial, 1),
                Name = i == 0 ? "POST /v1/infer" : "tool.call",
                Kind = i == 0 ? Span.Types.SpanKind.Server : Span.Types.SpanKind.Internal,
                StartTimeUnixNano = now + (ulong)i * 1000,
                EndTimeUnixNano = now + (ulong)i * 1000 + 500_000,
                Attributes = { Attr("model", $"model-{i % 4}"), Attr("tool", "search") },
                Events = { new Span.Types.Event { TimeUnixNano = now + (ulong)i * 1000 + 10, Name = "token.first", Attributes = { Attr("tokens", "1") } } },
                Status = new Status { Code = Status.Types.StatusCode.Ok },
            });
        }

        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = Resource(), ScopeSpans = { scope } } } };
    }

    private static ByteString Id(int length, long serial, int index)
    {
        var bytes = new byte[length];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), serial + 1);
        BitConverter.TryWriteBytes(bytes.AsSpan(length - 4, 4), index + 1);
        return ByteString.CopyFrom(bytes);
    }

    private static Resource Resource() => new()
    {
        Attributes = { Attr("service.name", "inference"), Attr("telemetry.sdk.language", "dotnet"), Attr("host.name", "gpu-node-1") },
    };

    private static InstrumentationScope Scope() => new() { Name = "Inference.Server", Version = "1.0.0" };

    private static ulong Now() => (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    private static KeyValue Attr(string key, string value) => new() { Key = key, Value = Text(value) };

    private static AnyValue Text(string text) => new() { StringValue = text };
}
