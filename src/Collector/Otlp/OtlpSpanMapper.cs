using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Host.Otlp;

// ExportTraceServiceRequest → events, one per span, each carrying a TraceSpan (event_type "span"):
//
//   resource, scope          as every signal's (OtlpResource)
//   trace_id, span_id        the event's ids; both required (16 and 8 bytes, not all zero), else the span is rejected
//   start_time_unix_nano     the event's time (0: the collector's receive time, as for any event)
//   parent_span_id           copied; empty or all zero → a root span
//   name, kind, end time, trace_state, flags, dropped counts        copied
//   status                   code and message
//   events                   time, name, attributes as text, dropped count
//   links                    trace and span id, trace_state, attributes as text, flags, dropped count
//   attributes               event attributes (text); telemetry.source.id and telemetry.provenance.* back to their fields
//
// A span that breaks the contract (EventValidator and SignalValidator: sizes, counts, ids) is rejected alone, with
// its place in the request in the reason.

/// <summary>Maps an OTLP trace export request to events grouped by source; see the table above.</summary>
public static class OtlpSpanMapper
{
    public static OtlpMappedRequest Map(ExportTraceServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mapped = new OtlpMappedRequest();
        for (var r = 0; r < request.ResourceSpans.Count; r++)
        {
            var resourceSpans = request.ResourceSpans[r];
            var resource = OtlpResource.Of(resourceSpans.Resource);
            for (var s = 0; s < resourceSpans.ScopeSpans.Count; s++)
            {
                var scopeSpans = resourceSpans.ScopeSpans[s];
                var scope = OtlpResource.ScopeAttributes(scopeSpans.Scope);
                for (var i = 0; i < scopeSpans.Spans.Count; i++)
                {
                    var span = scopeSpans.Spans[i];
                    var evt = OtlpSignalEvent.Create(SignalEventTypes.Span, span.StartTimeUnixNano, resource, scope, span.Attributes, out var sourceId);
                    evt.TraceId = OtlpSignalEvent.Id(span.TraceId);
                    evt.SpanId = OtlpSignalEvent.Id(span.SpanId);
                    evt.Span = ToTraceSpan(span);
                    if (OtlpSignalEvent.Check(evt) is { } reason)
                    {
                        mapped.Reject($"resource_spans[{r}].scope_spans[{s}].spans[{i}]: {reason}");
                        continue;
                    }

                    mapped.Add(sourceId ?? SourceEvents.SourceIdFor(OtlpEventMapper.SourcePrefix, evt.Service), evt);
                }
            }
        }

        return mapped;
    }

    private static TraceSpan ToTraceSpan(Span span)
    {
        var traceSpan = new TraceSpan
        {
            ParentSpanId = OtlpSignalEvent.Id(span.ParentSpanId),
            Name = span.Name,
            Kind = (SpanKind)(int)span.Kind,
            EndTimeUnixNano = span.EndTimeUnixNano,
            StatusCode = (SpanStatus)(int)(span.Status?.Code ?? Status.Types.StatusCode.Unset),
            StatusMessage = span.Status?.Message ?? string.Empty,
            TraceState = span.TraceState,
            Flags = span.Flags,
            DroppedAttributesCount = span.DroppedAttributesCount,
            DroppedEventsCount = span.DroppedEventsCount,
            DroppedLinksCount = span.DroppedLinksCount,
        };
        foreach (var source in span.Events)
        {
            var spanEvent = new TraceSpanEvent { TimeUnixNano = source.TimeUnixNano, Name = source.Name, DroppedAttributesCount = source.DroppedAttributesCount };
            OtlpSignalEvent.CopyAttributes(source.Attributes, spanEvent.Attributes);
            traceSpan.Events.Add(spanEvent);
        }

        foreach (var source in span.Links)
        {
            var link = new TraceSpanLink
            {
                TraceId = source.TraceId,
                SpanId = source.SpanId,
                TraceState = source.TraceState,
                Flags = source.Flags,
                DroppedAttributesCount = source.DroppedAttributesCount,
            };
            OtlpSignalEvent.CopyAttributes(source.Attributes, link.Attributes);
            traceSpan.Links.Add(link);
        }

        return traceSpan;
    }
}
