using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf.Collections;
using OtlpSpan = Collector.Forwarder.Otlp.V1.Span;

namespace Collector.Forwarder.Otlp;

// Forwarded events carrying a TraceSpan → ExportTraceServiceRequest:
//
//   resource_spans               one per resource, scope_spans one per scope under it (OtlpEventSource)
//     spans[i]                   one per event, in log order
//       trace_id, span_id        the event's (OtlpBatchSplit sends an event without valid ids as a log record)
//       start_time_unix_nano     the event's time_unix_nano
//       parent_span_id, name, kind, end_time_unix_nano, trace_state, flags, dropped_*_count   the TraceSpan's
//       status                   code and message; left unset when both are empty
//       events[j], links[j]      the TraceSpan's, attributes as strings
//       attributes               telemetry.source.id, telemetry.sequence, telemetry.provenance.* as for logs;
//                                event fields that say more than the span (OtlpAttributes.AddSignalEventFields);
//                                then the event's own attributes as strings, a key the mapper already wrote left
//                                out and added to dropped_attributes_count
//
// Not carried: the event's message and severity (a receiver does not set them on span events).

/// <summary>Maps forwarded span events to an OTLP trace export request; see the table above.</summary>
public static class OtlpSpanMapper
{
    public const string EventType = "span";

    /// <summary>The request for <paramref name="events"/>, each carrying a span and valid trace and span ids.</summary>
    public static ExportTraceServiceRequest Map(IReadOnlyList<ForwardedEvent> events, string nodeId)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(nodeId);
        var request = new ExportTraceServiceRequest();
        var scopes = new OtlpScopeIndex<ResourceSpans, ScopeSpans>(
            nodeId,
            resource =>
            {
                var entry = new ResourceSpans { Resource = resource };
                request.ResourceSpans.Add(entry);
                return entry;
            },
            (resource, scope) =>
            {
                var entry = new ScopeSpans { Scope = scope };
                resource.ScopeSpans.Add(entry);
                return entry;
            });
        foreach (var (evt, sourceId, sequence) in events)
        {
            var source = OtlpEventSource.Of(evt);
            var span = ToSpan(evt);
            OtlpAttributes.AddSignalEventFields(span.Attributes, evt, EventType, impliedValue: null);
            OtlpAttributes.AddOrigin(span.Attributes, evt, sourceId, sequence);
            span.DroppedAttributesCount += OtlpAttributes.AddOwn(span.Attributes, source.Own);
            scopes.For(source).Spans.Add(span);
        }

        return request;
    }

    /// <summary>How many spans <paramref name="request"/> carries.</summary>
    public static int CountSpans(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.ResourceSpans.SelectMany(r => r.ScopeSpans).Sum(s => s.Spans.Count);
    }

    private static OtlpSpan ToSpan(Event evt)
    {
        var source = evt.Span;
        var span = new OtlpSpan
        {
            TraceId = evt.TraceId,
            SpanId = evt.SpanId,
            TraceState = source.TraceState,
            ParentSpanId = source.ParentSpanId,
            Flags = source.Flags,
            Name = source.Name,
            Kind = (OtlpSpan.Types.SpanKind)(int)source.Kind,
            StartTimeUnixNano = evt.TimeUnixNano,
            EndTimeUnixNano = source.EndTimeUnixNano,
            DroppedAttributesCount = source.DroppedAttributesCount,
            DroppedEventsCount = source.DroppedEventsCount,
            DroppedLinksCount = source.DroppedLinksCount,
        };
        if (source.StatusCode != SpanStatus.Unset || source.StatusMessage.Length > 0)
        {
            span.Status = new Status { Code = (Status.Types.StatusCode)(int)source.StatusCode, Message = source.StatusMessage };
        }

        foreach (var spanEvent in source.Events)
        {
            var otlpEvent = new OtlpSpan.Types.Event
            {
                TimeUnixNano = spanEvent.TimeUnixNano,
                Name = spanEvent.Name,
                DroppedAttributesCount = spanEvent.DroppedAttributesCount,
            };
            OtlpAttributes.AddAll(otlpEvent.Attributes, spanEvent.Attributes);
            span.Events.Add(otlpEvent);
        }

        AddLinks(span.Links, source.Links);
        return span;
    }

    private static void AddLinks(RepeatedField<OtlpSpan.Types.Link> links, RepeatedField<TraceSpanLink> sources)
    {
        foreach (var source in sources)
        {
            var link = new OtlpSpan.Types.Link
            {
                TraceId = source.TraceId,
                SpanId = source.SpanId,
                TraceState = source.TraceState,
                Flags = source.Flags,
                DroppedAttributesCount = source.DroppedAttributesCount,
            };
            OtlpAttributes.AddAll(link.Attributes, source.Attributes);
            links.Add(link);
        }
    }
}
