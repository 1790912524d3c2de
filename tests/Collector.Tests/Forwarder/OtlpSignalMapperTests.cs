using Collector.Forwarder;
using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Collector.Tests.Infrastructure;
using Google.Protobuf;

namespace Collector.Tests.Forwarder;

/// <summary>OtlpBatchSplit, OtlpMetricMapper and OtlpSpanMapper on batches built by hand; the real peer's view is in OtlpSignalUpstreamTests.</summary>
public sealed class OtlpSignalMapperTests
{
    private const string Node = "edge-7";

    [Fact]
    public void Split_MixedBatch_EachEventInOnePartInOrder()
    {
        var unspecified = SignalEvents.Metric(MetricKind.Gauge, 3);
        unspecified.Metric.Kind = MetricKind.Unspecified;
        var spanWithoutIds = SignalEvents.Span(4);
        spanWithoutIds.TraceId = ByteString.CopyFrom(new byte[16]);
        var run = new SourceRun("s", 1) { Events = { Events.Valid(0), SignalEvents.Metric(MetricKind.Sum, 1), SignalEvents.Span(2), unspecified, spanWithoutIds } };

        var split = OtlpBatchSplit.Of(Batch(run));

        Assert.Equal([1ul, 4, 5], split.Logs.Select(e => e.Sequence));
        Assert.Equal([2ul], split.Metrics.Select(e => e.Sequence));
        Assert.Equal([3ul], split.Spans.Select(e => e.Sequence));
        Assert.All(split.Logs.Concat(split.Metrics).Concat(split.Spans), e => Assert.Equal("s", e.SourceId));
    }

    [Fact]
    public void MapMetrics_TwoResourcesScopesAndKinds_GroupedBackInFirstSeenOrder()
    {
        var other = SignalEvents.Metric(MetricKind.Gauge, 2);
        other.Attributes["resource.host.name"] = "gpu-box-2";
        var otherScope = SignalEvents.Metric(MetricKind.Gauge, 3);
        otherScope.Attributes.Remove("otel.scope.name");
        otherScope.Attributes.Remove("otel.scope.version");
        otherScope.Attributes.Remove("scope.team");
        var events = Forwarded(
            SignalEvents.Metric(MetricKind.Gauge, 0), SignalEvents.Metric(MetricKind.Sum, 1), other, otherScope, SignalEvents.Metric(MetricKind.Gauge, 4));

        var request = OtlpMetricMapper.Map(events, Node);

        Assert.Equal(5, OtlpMetricMapper.CountPoints(request));
        Assert.Equal(["gpu-box-1", "gpu-box-2"], request.ResourceMetrics.Select(r => Attribute(r.Resource.Attributes, "host.name")));
        var first = request.ResourceMetrics[0];
        Assert.Equal(
            ["service.name", "collector.node.id", "deployment.environment", "host.name"],
            first.Resource.Attributes.Select(a => a.Key));
        Assert.Equal(Node, Attribute(first.Resource.Attributes, "collector.node.id"));
        Assert.Equal(["inference.meter", "collector.forwarder"], first.ScopeMetrics.Select(s => s.Scope.Name));
        var scope = first.ScopeMetrics[0];
        Assert.Equal("1.2.0", scope.Scope.Version);
        Assert.Equal("ml", Attribute(scope.Scope.Attributes, "team"));
        Assert.Equal([Metric.DataOneofCase.Gauge, Metric.DataOneofCase.Sum], scope.Metrics.Select(m => m.DataCase));
        Assert.Equal([0.25, 4.25], scope.Metrics[0].Gauge.DataPoints.Select(p => p.AsDouble));
        Assert.Empty(first.ScopeMetrics[1].Scope.Attributes);
    }

    [Fact]
    public void MapMetrics_Point_AttributesAreOwnAndOriginWithoutSequence()
    {
        var evt = SignalEvents.Metric(MetricKind.Sum, 7);
        evt.Component = "gemma2:27b";
        evt.Attributes["resource.service.name"] = "kept as an attribute";
        evt.Attributes["telemetry.source.id"] = "shadowed";
        evt.Provenance = new Provenance { Origin = "device:pixel-7", Path = { "gateway-2", Node } };

        var point = OtlpMetricMapper.Map([new ForwardedEvent(evt, "device-1", 41)], Node).ResourceMetrics[0].ScopeMetrics[0].Metrics[0].Sum.DataPoints[0];

        Assert.Equal(
            ["component", "telemetry.source.id", "telemetry.provenance.origin", "telemetry.provenance.path", "n", "gpu", "resource.service.name"],
            point.Attributes.Select(a => a.Key));
        Assert.Equal("device-1", Attribute(point.Attributes, "telemetry.source.id"));
        Assert.Equal(1007, point.AsInt);
        Assert.Equal(evt.TimeUnixNano, point.TimeUnixNano);
    }

    [Fact]
    public void MapSpans_Span_EveryFieldAndSequence()
    {
        var evt = SignalEvents.Span(5);

        var request = OtlpSpanMapper.Map([new ForwardedEvent(evt, "device-1", 9)], Node);

        var scope = Assert.Single(Assert.Single(request.ResourceSpans).ScopeSpans);
        Assert.Equal("inference.meter", scope.Scope.Name);
        var span = Assert.Single(scope.Spans);
        Assert.Equal(evt.TraceId, span.TraceId);
        Assert.Equal(evt.SpanId, span.SpanId);
        Assert.Equal(evt.Span.ParentSpanId, span.ParentSpanId);
        Assert.Equal(evt.TimeUnixNano, span.StartTimeUnixNano);
        Assert.Equal(evt.Span.EndTimeUnixNano, span.EndTimeUnixNano);
        Assert.Equal(Span.Types.SpanKind.Server, span.Kind);
        Assert.Equal(Status.Types.StatusCode.Error, span.Status.Code);
        Assert.Equal("upstream timeout", span.Status.Message);
        Assert.Equal(0x301u, span.Flags);
        Assert.Equal("retry", Assert.Single(span.Events).Name);
        Assert.Equal("batch", Attribute(Assert.Single(span.Links).Attributes, "why"));
        Assert.Equal(9, span.Attributes.Single(a => a.Key == "telemetry.sequence").Value.IntValue);
        Assert.Equal(1, OtlpSpanMapper.CountSpans(request));
    }

    [Fact]
    public void MapSpans_StatusUnsetWithoutMessage_NoStatus()
    {
        var evt = SignalEvents.Span(1);
        evt.Span.StatusCode = SpanStatus.Unset;
        evt.Span.StatusMessage = string.Empty;

        var span = OtlpSpanMapper.Map([new ForwardedEvent(evt, "s", 0)], Node).ResourceSpans[0].ScopeSpans[0].Spans[0];

        Assert.Null(span.Status);
        Assert.DoesNotContain(span.Attributes, a => a.Key == "telemetry.sequence");
    }

    private static string Attribute(IEnumerable<KeyValue> attributes, string key) => attributes.Single(a => a.Key == key).Value.StringValue;

    private static List<ForwardedEvent> Forwarded(params Event[] events) =>
        events.Select((e, i) => new ForwardedEvent(e, "s", (ulong)i + 1)).ToList();

    private static ForwardBatch Batch(params SourceRun[] runs)
    {
        var batch = new ForwardBatch();
        batch.Runs.AddRange(runs);
        batch.Events = runs.Sum(r => r.Events.Count);
        return batch;
    }
}
