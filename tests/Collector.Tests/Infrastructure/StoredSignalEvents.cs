using System.Globalization;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// Events that carry a metric point or a span, shaped as the OTLP receivers map them (event_type "metric" / "span",
/// resource and scope attributes beside the point's or span's own), and batches that mix them with plain events.
/// </summary>
internal static class StoredSignalEvents
{
    // Recent, so that retention never drops test data from under a test; on a whole minute, for the rollup.
    public static readonly ulong BaseTime = (ulong)(DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds() / 60 * 60) * 1_000_000_000;

    public static Event Metric(MetricPoint point, ulong time, string service = "metric-service", params (string Key, string Value)[] attributes)
    {
        var e = new Event { TimeUnixNano = time, EventType = "metric", Service = service, Metric = point };
        e.Attributes.Add("resource.host.name", "gpu-1");
        e.Attributes.Add("otel.scope.name", "test-meter");
        foreach (var (key, value) in attributes)
        {
            e.Attributes.Add(key, value);
        }

        return e;
    }

    public static Event Span(TraceSpan span, byte[] traceId, byte[] spanId, ulong start, string service = "span-service")
    {
        var e = new Event
        {
            TimeUnixNano = start,
            EventType = "span",
            Service = service,
            TraceId = ByteString.CopyFrom(traceId),
            SpanId = ByteString.CopyFrom(spanId),
            Span = span,
        };
        e.Attributes.Add("http.route", "/v1/infer");
        e.Attributes.Add("resource.service.version", "1.2.3");
        return e;
    }

    public static byte[] Id(int length, int seed) => [.. Enumerable.Range(0, length).Select(i => (byte)((seed * 31) + i + 1))];

    /// <summary>
    /// Event i of a mixed load: i % 3 == 0 a plain event, 1 a gauge point whose value is i, 2 a span whose name holds i,
    /// so which table an event belongs in follows from its sequence (first sequence 1: sequence = i + 1).
    /// </summary>
    public static Event Mixed(int i) => (i % 3) switch
    {
        0 => Events.Valid(i),
        1 => Metric(new MetricPoint { Name = "load.gauge", Kind = MetricKind.Gauge, AsDouble = i }, BaseTime + (ulong)i),
        _ => Span(new TraceSpan { Name = $"span-{i.ToString(CultureInfo.InvariantCulture)}", Kind = SpanKind.Server, EndTimeUnixNano = BaseTime + (ulong)i + 1000 }, Id(16, i), Id(8, i), BaseTime + (ulong)i),
    };

    public static EventBatch MixedBatch(string sourceId, ulong firstSequence, int count)
    {
        var batch = new EventBatch { SourceId = sourceId, FirstSequence = firstSequence };
        for (var i = 0; i < count; i++)
        {
            batch.Events.Add(Mixed((int)(firstSequence - 1) + i));
        }

        return batch;
    }
}
