using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Protocol;

/// <summary>Events carrying a metric point or span (fields 16, 17) as any client may send them: the rules and the facts the log's entries record.</summary>
public sealed class SignalEventValidationTests
{
    private static readonly ByteString TraceId = ByteString.CopyFrom([.. Enumerable.Range(1, 16).Select(i => (byte)i)]);
    private static readonly ByteString SpanId = ByteString.CopyFrom([.. Enumerable.Range(1, 8).Select(i => (byte)i)]);

    [Fact]
    public void Validate_PlainEvent_NoSignalFacts()
    {
        Assert.Equal(EventVerdict.Valid, EventValidator.Validate(Events.Valid(1).ToByteArray(), out var facts, out _));
        Assert.Equal((false, false), (facts.HasMetricField, facts.HasSpanField));
    }

    [Fact]
    public void Validate_MetricAndSpan_ValidWithTheirFacts()
    {
        var metric = new Event { EventType = SignalEventTypes.Metric, Metric = new MetricPoint { Name = "g", Kind = MetricKind.Gauge, AsDouble = 1 } };
        var span = new Event { EventType = SignalEventTypes.Span, TraceId = TraceId, SpanId = SpanId, Span = new TraceSpan { Name = "s" } };

        Assert.Equal(EventVerdict.Valid, EventValidator.Validate(metric.ToByteArray(), out var metricFacts, out _));
        Assert.Equal(EventVerdict.Valid, EventValidator.Validate(span.ToByteArray(), out var spanFacts, out _));

        Assert.Equal((true, false), (metricFacts.HasMetricField, metricFacts.HasSpanField));
        Assert.Equal((false, true), (spanFacts.HasMetricField, spanFacts.HasSpanField));
    }

    [Fact]
    public void Validate_BothFieldsOnTheWire_BothFactsSet_TheLaterOneDecides()
    {
        // A oneof on the wire twice: parsers keep the later field, the entry's hint must name both.
        var metric = new Event { EventType = SignalEventTypes.Metric, Metric = new MetricPoint { Name = "g", Kind = MetricKind.Gauge, AsDouble = 1 } }.ToByteArray();
        var span = new Event { Span = new TraceSpan { Name = "s" } }.ToByteArray();

        Assert.Equal(EventVerdict.Invalid, EventValidator.Validate([.. metric, .. span], out var facts, out var reason));

        Assert.Equal((true, true), (facts.HasMetricField, facts.HasSpanField));
        Assert.Equal("a span needs its trace_id and span_id", reason);
    }

    [Theory]
    [InlineData("histogram", "metric.bucket_counts has 1 counts for 1 explicit_bounds; it must have 2")]
    [InlineData("kind", "metric.kind 0 is not a metric kind (1-5)")]
    [InlineData("span-ids", "a span needs its trace_id and span_id")]
    [InlineData("link", "span.links[0].trace_id is 0 bytes; it must be 16 bytes")]
    public void Validate_BadSignal_InvalidWithReason(string fault, string expected)
    {
        var e = fault switch
        {
            "histogram" => new Event { EventType = "metric", Metric = new MetricPoint { Name = "h", Kind = MetricKind.Histogram, Temporality = 1, ExplicitBounds = { 1 }, BucketCounts = { 1 } } },
            "kind" => new Event { EventType = "metric", Metric = new MetricPoint { Name = "h" } },
            "span-ids" => new Event { EventType = "span", TraceId = TraceId, Span = new TraceSpan { Name = "s" } },
            _ => new Event { EventType = "span", TraceId = TraceId, SpanId = SpanId, Span = new TraceSpan { Name = "s", Links = { new TraceSpanLink { SpanId = SpanId } } } },
        };

        Assert.Equal(EventVerdict.Invalid, EventValidator.Validate(e.ToByteArray(), out _, out var reason));

        Assert.Equal(expected, reason);
    }

    [Fact]
    public void Validate_SignalBytesThatDoNotParse_Malformed()
    {
        // Field 16, length 3, then bytes that are not a MetricPoint (a tag with a truncated varint).
        byte[] bytes = [0x12, 0x01, (byte)'x', 0x82, 0x01, 0x03, 0x08, 0xFF, 0xFF];

        Assert.Equal(EventVerdict.Malformed, EventValidator.Validate(bytes, out _, out _));
    }
}
