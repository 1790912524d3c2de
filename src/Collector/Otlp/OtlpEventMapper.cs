using Collector.Forwarder.Otlp;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Ingest;
using Collector.Protocol.Telemetry;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.Host.Otlp;

// ExportLogsServiceRequest → events, one per log record; the inverse of the forwarder's OtlpLogMapper, so an event
// forwarded as OTLP to another collector comes back equal:
//
//   resource, scope          as every signal's (OtlpResource)
//   time_unix_nano           time; 0 → observed_time_unix_nano; both 0 → the collector's receive time
//   severity_number          1-4 TRACE, 5-8 DEBUG, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 FATAL;
//                            0 or unknown → from severity_text when it is a level name, else unspecified
//   severity_text            attribute severity_text when it does not name the mapped severity
//   body                     message: a string as is, any other kind as JSON text (bytes as base64)
//   trace_id / span_id       copied when 16 / 8 bytes; empty or all zero → none; another length rejects the record
//   event_name               event_type when no event.type attribute says otherwise (then attribute event_name);
//                            neither → event_type "log"
//   attributes               the forwarder's keys go back to their fields when their type fits: event.type,
//                            component, status, correlation_id, value, tokens_generated, prompt_tokens,
//                            telemetry.provenance.*; telemetry.source.id → the batch's source id (else
//                            "otlp/<service>"); telemetry.sequence → dropped (OTLP ingest is unsequenced);
//                            every other key → attribute, non-string values as OtlpValueText
//   flags, dropped_attributes_count   dropped
//
// A record whose event breaks the event contract (EventValidator: sizes, attribute count, UTF-8) is rejected alone,
// with its place in the request in the reason.

/// <summary>Maps an OTLP logs export request to events grouped by source; see the table above.</summary>
public static class OtlpEventMapper
{
    public const string SourcePrefix = "otlp";
    public const string DefaultEventType = "log";
    public const string SeverityTextKey = "severity_text";
    public const string EventNameKey = "event_name";

    public static OtlpMappedRequest Map(ExportLogsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var mapped = new OtlpMappedRequest();
        for (var r = 0; r < request.ResourceLogs.Count; r++)
        {
            var resourceLogs = request.ResourceLogs[r];
            var resource = OtlpResource.Of(resourceLogs.Resource);
            for (var s = 0; s < resourceLogs.ScopeLogs.Count; s++)
            {
                var scopeLogs = resourceLogs.ScopeLogs[s];
                var scope = OtlpResource.ScopeAttributes(scopeLogs.Scope);
                for (var l = 0; l < scopeLogs.LogRecords.Count; l++)
                {
                    var evt = ToEvent(scopeLogs.LogRecords[l], resource, scope, out var sourceId, out var reason);
                    if (evt is null)
                    {
                        mapped.Reject($"resource_logs[{r}].scope_logs[{s}].log_records[{l}]: {reason}");
                        continue;
                    }

                    mapped.Add(sourceId ?? SourceEvents.SourceIdFor(SourcePrefix, evt.Service), evt);
                }
            }
        }

        return mapped;
    }

    /// <summary>Our severity for an OTLP severity number; <paramref name="text"/> decides when the number does not.</summary>
    public static Severity ToSeverity(SeverityNumber number, string text)
    {
        var value = (int)number;
        if (value is >= 1 and <= 24)
        {
            return (Severity)((value - 1) / 4 + 1);
        }

        return SeverityNames.TryParse(text, out var named) ? named : Severity.Unspecified;
    }

    private static Event? ToEvent(LogRecord record, OtlpResource resource, List<KeyValuePair<string, string>> scope, out string? sourceId, out string? reason)
    {
        sourceId = null;
        if (!TryCopyId(record.TraceId, EventLimits.TraceIdLength, "trace_id", out var traceId, out reason)
            || !TryCopyId(record.SpanId, EventLimits.SpanIdLength, "span_id", out var spanId, out reason))
        {
            return null;
        }

        var severity = ToSeverity(record.SeverityNumber, record.SeverityText);
        var evt = new Event
        {
            TimeUnixNano = record.TimeUnixNano != 0 ? record.TimeUnixNano : record.ObservedTimeUnixNano,
            Severity = severity,
            Message = OtlpValueText.Of(record.Body),
            Service = resource.Service,
            TraceId = traceId,
            SpanId = spanId,
        };
        foreach (var (key, value) in resource.Attributes)
        {
            evt.Attributes[key] = value;
        }

        foreach (var (key, value) in scope)
        {
            evt.Attributes[key] = value;
        }

        if (record.SeverityText.Length > 0 && !(SeverityNames.TryParse(record.SeverityText, out var named) && named == severity))
        {
            evt.Attributes[SeverityTextKey] = record.SeverityText;
        }

        foreach (var attribute in record.Attributes)
        {
            if (!OtlpForwardedFields.TryApply(evt, attribute, ref sourceId))
            {
                evt.Attributes[attribute.Key] = OtlpValueText.Of(attribute.Value);
            }
        }

        if (evt.EventType.Length == 0)
        {
            evt.EventType = record.EventName.Length > 0 ? record.EventName : DefaultEventType;
        }
        else if (record.EventName.Length > 0)
        {
            evt.Attributes[EventNameKey] = record.EventName;
        }

        // The same rules as every other way in, checked here so the reason can say which record broke them.
        if (EventValidator.Validate(evt.ToByteArray(), out _, out reason) != EventVerdict.Valid)
        {
            return null;
        }

        return evt;
    }

    private static bool TryCopyId(ByteString id, int length, string name, out ByteString copy, out string? reason)
    {
        copy = ByteString.Empty;
        reason = null;
        if (id.Length == 0)
        {
            return true;
        }

        if (id.Length != length)
        {
            reason = $"{name} is {id.Length} bytes; it must be {length} bytes";
            return false;
        }

        // All zeroes means "no id" in OTLP and W3C trace context.
        if (id.Span.ContainsAnyExcept((byte)0))
        {
            copy = id;
        }

        return true;
    }
}
