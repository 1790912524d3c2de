using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder.Otlp;

// Forwarded events carrying a MetricPoint → ExportMetricsServiceRequest, grouped back the way OTLP sends them:
//
//   resource_metrics             one per resource (OtlpEventSource: service.name, collector.node.id, resource.*)
//     scope_metrics              one per scope under it (otel.scope.name / .version, scope.*; else
//                                "collector.forwarder")
//       metrics                  one per (name, description, unit, kind, temporality, monotonic) under the scope
//         data_points[i]         one per event, in log order (OtlpMetricPoints); time_unix_nano = event's
//           attributes           telemetry.source.id, telemetry.provenance.* as for logs (no telemetry.sequence:
//                                a point's series is its attributes, and a per-point sequence would make every
//                                point a series of its own; the receiving side drops it anyway); event fields that
//                                say more than the point (OtlpAttributes.AddSignalEventFields); then the event's
//                                own attributes as strings, a key the mapper already wrote left out
//
// Not carried: the event's message, severity, trace_id and span_id (a receiver does not set them on metric events;
// exemplars carry trace context).

/// <summary>Maps forwarded metric-point events to an OTLP metrics export request; see the table above.</summary>
public static class OtlpMetricMapper
{
    public const string EventType = "metric";

    /// <summary>The request for <paramref name="events"/>, each carrying a point of an OTLP kind.</summary>
    public static ExportMetricsServiceRequest Map(IReadOnlyList<ForwardedEvent> events, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(nodeId);
        var request = new ExportMetricsServiceRequest();
        var scopes = new OtlpScopeIndex<ResourceMetrics, ScopeMetrics>(
            nodeId,
            resource =>
            {
                var entry = new ResourceMetrics { Resource = resource };
                request.ResourceMetrics.Add(entry);
                return entry;
            },
            (resource, scope) =>
            {
                var entry = new ScopeMetrics { Scope = scope };
                resource.ScopeMetrics.Add(entry);
                return entry;
            });
        // Keyed by the source's strings: a message's hash changes as points are added to it.
        var metrics = new Dictionary<(string Resource, string Scope, string Name, string Description, string Unit, MetricKind Kind, uint Temporality, bool Monotonic), Metric>();
        foreach (var (evt, sourceId, _) in events)
        {
            var point = evt.Metric;
            var source = OtlpEventSource.Of(evt);
            var scope = scopes.For(source);
            var key = (source.ResourceKey, source.ScopeKey, point.Name, point.Description, point.Unit, point.Kind, point.Temporality, point.Monotonic);
            if (!metrics.TryGetValue(key, out var metric))
            {
                metric = OtlpMetricPoints.NewMetric(point);
                scope.Metrics.Add(metric);
                metrics.Add(key, metric);
            }

            var attributes = OtlpMetricPoints.Add(metric, point, evt.TimeUnixNano);
            OtlpAttributes.AddSignalEventFields(attributes, evt, EventType, OtlpMetricPoints.ImpliedValue(point));
            OtlpAttributes.AddOrigin(attributes, evt, sourceId, sequence: 0);
            OtlpAttributes.AddOwn(attributes, source.Own);
        }

        return request;
    }

    /// <summary>How many data points <paramref name="request"/> carries.</summary>
    public static int CountPoints(ExportMetricsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var count = 0;
        foreach (var metric in request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics))
        {
            count += metric.DataCase switch
            {
                Metric.DataOneofCase.Gauge => metric.Gauge.DataPoints.Count,
                Metric.DataOneofCase.Sum => metric.Sum.DataPoints.Count,
                Metric.DataOneofCase.Histogram => metric.Histogram.DataPoints.Count,
                Metric.DataOneofCase.ExponentialHistogram => metric.ExponentialHistogram.DataPoints.Count,
                Metric.DataOneofCase.Summary => metric.Summary.DataPoints.Count,
                _ => 0,
            };
        }

        return count;
    }
}
