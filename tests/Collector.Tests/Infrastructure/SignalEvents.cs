using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// Test events carrying a metric point of every kind or a span with events, links and a parent, shaped as a
/// collector's OTLP receiver writes them (resource.*, otel.scope.*, scope.* attributes). Event i has attribute n = i,
/// so a receiver's copy can be matched to what was sent.
/// </summary>
internal static class SignalEvents
{
    public static readonly MetricKind[] Kinds =
        [MetricKind.Gauge, MetricKind.Sum, MetricKind.Histogram, MetricKind.ExponentialHistogram, MetricKind.Summary];

    // Recent, so that retention never drops test data from under a test.
    private static readonly ulong BaseTime = (ulong)DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds() * 1_000_000;

    /// <summary>Event i of a mix: metric points of the five kinds in turn, every sixth a span.</summary>
    public static Event Mixed(int i) => i % 6 == 5 ? Span(i) : Metric(Kinds[i % 6], i);

    public static Event Metric(MetricKind kind, int i)
    {
        var point = new MetricPoint
        {
            Name = "gpu." + kind.ToString().ToLowerInvariant(),
            Description = "test " + kind,
            Unit = "ms",
            Kind = kind,
            StartTimeUnixNano = BaseTime - 60_000_000_000,
        };
        switch (kind)
        {
            case MetricKind.Gauge:
                point.AsDouble = 0.25 + i;
                break;
            case MetricKind.Sum:
                point.Temporality = 2;
                point.Monotonic = true;
                point.AsInt = 1000L + i;
                point.Exemplars.Add(new MetricExemplar
                {
                    TimeUnixNano = BaseTime + (ulong)i,
                    AsInt = 7,
                    TraceId = Id(16, i),
                    SpanId = Id(8, i),
                    FilteredAttributes = { ["user"] = "u" + i.ToString(CultureInfo.InvariantCulture) },
                });
                break;
            case MetricKind.Histogram:
                point.Temporality = 1;
                point.Count = 6;
                point.Sum = 42.5 + i;
                point.Min = 0.5;
                point.Max = 30;
                point.ExplicitBounds.Add([1, 10, 100]);
                point.BucketCounts.Add([1, 2, 3, 0]);
                point.Exemplars.Add(new MetricExemplar { TimeUnixNano = BaseTime, AsDouble = 9.5 });
                break;
            case MetricKind.ExponentialHistogram:
                point.Temporality = 2;
                point.Count = 9;
                point.Sum = 3.5;
                point.Scale = -2;
                point.ZeroCount = 1;
                point.ZeroThreshold = 0.001;
                point.PositiveOffset = -3;
                point.PositiveCounts.Add([4, 0, 2]);
                point.NegativeOffset = 2;
                point.NegativeCounts.Add([2]);
                break;
            case MetricKind.Summary:
                point.Count = 100;
                point.Sum = 5000 + i;
                point.Quantiles.Add([0, 0.5, 0.99, 1]);
                point.QuantileValues.Add([1, 40, 99.5, 120]);
                point.Flags = 1;
                break;
        }

        var evt = Base(i, "metric");
        evt.Metric = point;
        return evt;
    }

    public static Event Span(int i)
    {
        var evt = Base(i, "span");
        evt.TraceId = Id(16, i);
        evt.SpanId = Id(8, i + 1);
        evt.Span = new TraceSpan
        {
            ParentSpanId = Id(8, i + 2),
            Name = "GET /answer",
            Kind = SpanKind.Server,
            EndTimeUnixNano = evt.TimeUnixNano + 1_500_000,
            StatusCode = SpanStatus.Error,
            StatusMessage = "upstream timeout",
            TraceState = "vendor=1",
            Flags = 0x301,
            DroppedAttributesCount = 2,
            DroppedEventsCount = 1,
            DroppedLinksCount = 3,
            Events =
            {
                new TraceSpanEvent { TimeUnixNano = evt.TimeUnixNano + 10, Name = "retry", Attributes = { ["attempt"] = "2" }, DroppedAttributesCount = 1 },
            },
            Links =
            {
                new TraceSpanLink { TraceId = Id(16, i + 100), SpanId = Id(8, i + 100), TraceState = "x=y", Flags = 1, Attributes = { ["why"] = "batch" }, DroppedAttributesCount = 4 },
            },
        };
        return evt;
    }

    /// <summary>A batch of Mixed(offset) .. Mixed(offset + count - 1).</summary>
    public static EventBatch Batch(string sourceId, ulong firstSequence, int count, int offset)
    {
        var batch = new EventBatch { SourceId = sourceId, FirstSequence = firstSequence };
        for (var i = 0; i < count; i++)
        {
            batch.Events.Add(Mixed(offset + i));
        }

        return batch;
    }

    /// <summary>Distinct non-zero ids of <paramref name="length"/> bytes.</summary>
    public static ByteString Id(int length, int i)
    {
        var bytes = new byte[length];
        BitConverter.TryWriteBytes(bytes.AsSpan(length - 4), i + 1);
        bytes[0] = 0xa5;
        return ByteString.CopyFrom(bytes);
    }

    private static Event Base(int i, string type) => new()
    {
        TimeUnixNano = BaseTime + (ulong)i * 1000,
        EventType = type,
        Service = "inference",
        Attributes =
        {
            ["n"] = i.ToString(CultureInfo.InvariantCulture),
            ["gpu"] = "0",
            ["resource.host.name"] = "gpu-box-1",
            ["resource.deployment.environment"] = "prod",
            ["otel.scope.name"] = "inference.meter",
            ["otel.scope.version"] = "1.2.0",
            ["scope.team"] = "ml",
        },
    };
}
