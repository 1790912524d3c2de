using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;

namespace Collector.Forwarder.Otlp;

// Plain forwarded events → ExportLogsServiceRequest, one LogRecord per event (events carrying a metric point or a
// span go to OtlpMetricMapper / OtlpSpanMapper instead; OtlpBatchSplit decides which):
//
//   resource_logs            one per service (the forwarding node is the same for the whole request)
//     resource.attributes    service.name = event.service, or "unknown_service" when empty
//                            collector.node.id = the forwarding node
//     scope_logs[0].scope    name "collector.forwarder"
//       log_records[i]
//         time_unix_nano           event.time_unix_nano
//         observed_time_unix_nano  the forwarder's clock when the batch is mapped
//         severity_number/_text    TRACE 1, DEBUG 5, INFO 9, WARN 13, ERROR 17, FATAL 21; unspecified 0 and ""
//         body                     string: event.message, or event.event_type when the message is empty
//         trace_id / span_id       copied when 16 / 8 bytes and not all zero, else left empty
//         attributes               event.type            string  always
//                                  component, status,    string  when non-empty
//                                  correlation_id
//                                  value                 double  always
//                                  tokens_generated,     int     when non-zero
//                                  prompt_tokens
//                                  telemetry.source.id   string  the run's source id, when non-empty
//                                  telemetry.sequence    int     when sequenced (uint64 above 2^63 wraps)
//                                  telemetry.provenance.origin / .trust_level  string  when non-empty
//                                  telemetry.provenance.path   array of strings  when non-empty
//                                  telemetry.provenance.sync_version  int  when non-zero
//                                  event.attributes      string  key as is; a key the mapper already wrote for
//                                                                this event is dropped and counted in
//                                                                dropped_attributes_count
//         event_name, flags        not set
//
// The source id is a record attribute rather than a resource attribute: one service usually has many sources
// (processes, devices), and grouping by them would multiply the resources without telling a backend more.

/// <summary>Maps forwarded events to an OTLP logs export request; see the table above.</summary>
public static class OtlpLogMapper
{
    public const string ScopeName = "collector.forwarder";
    public const string UnknownService = "unknown_service";

    public const string ServiceNameKey = "service.name";
    public const string NodeIdKey = "collector.node.id";
    public const string EventTypeKey = "event.type";
    public const string ComponentKey = "component";
    public const string ValueKey = "value";
    public const string StatusKey = "status";
    public const string CorrelationIdKey = "correlation_id";
    public const string TokensGeneratedKey = "tokens_generated";
    public const string PromptTokensKey = "prompt_tokens";
    public const string SourceIdKey = "telemetry.source.id";
    public const string SequenceKey = "telemetry.sequence";
    public const string OriginKey = "telemetry.provenance.origin";
    public const string PathKey = "telemetry.provenance.path";
    public const string TrustLevelKey = "telemetry.provenance.trust_level";
    public const string SyncVersionKey = "telemetry.provenance.sync_version";

    /// <summary>
    /// Every event of <paramref name="batch"/> as a log record, whatever signal it carries (the upstream splits a batch
    /// first, <see cref="OtlpBatchSplit"/>, and maps only its plain events here).
    /// </summary>
    public static ExportLogsServiceRequest Map(ForwardBatch batch, string nodeId, ulong observedTimeUnixNano) =>
        Map(ForwardedEvent.ReadAll(batch), nodeId, observedTimeUnixNano);

    /// <summary>The request for <paramref name="events"/>; resources appear in the order their first event does.</summary>
    public static ExportLogsServiceRequest Map(IReadOnlyList<ForwardedEvent> events, string nodeId, ulong observedTimeUnixNano)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(nodeId);
        var request = new ExportLogsServiceRequest();
        var scopes = new Dictionary<string, ScopeLogs>(StringComparer.Ordinal);
        foreach (var (evt, sourceId, sequence) in events)
        {
            var service = evt.Service.Length == 0 ? UnknownService : evt.Service;
            if (!scopes.TryGetValue(service, out var scope))
            {
                scope = AddResource(request, service, nodeId);
                scopes.Add(service, scope);
            }

            scope.LogRecords.Add(ToLogRecord(evt, sourceId, sequence, observedTimeUnixNano));
        }

        return request;
    }

    /// <summary>How many log records <paramref name="request"/> carries.</summary>
    public static int CountRecords(ExportLogsServiceRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var count = 0;
        foreach (var resource in request.ResourceLogs)
        {
            foreach (var scope in resource.ScopeLogs)
            {
                count += scope.LogRecords.Count;
            }
        }

        return count;
    }

    public static SeverityNumber ToSeverityNumber(Severity severity) => severity switch
    {
        Severity.Trace => SeverityNumber.Trace,
        Severity.Debug => SeverityNumber.Debug,
        Severity.Info => SeverityNumber.Info,
        Severity.Warn => SeverityNumber.Warn,
        Severity.Error => SeverityNumber.Error,
        Severity.Fatal => SeverityNumber.Fatal,
        _ => SeverityNumber.Unspecified,
    };

    public static string ToSeverityText(Severity severity) => severity switch
    {
        Severity.Trace => "TRACE",
        Severity.Debug => "DEBUG",
        Severity.Info => "INFO",
        Severity.Warn => "WARN",
        Severity.Error => "ERROR",
        Severity.Fatal => "FATAL",
        _ => string.Empty,
    };

    private static ScopeLogs AddResource(ExportLogsServiceRequest request, string service, string nodeId)
    {
        var resource = new Resource();
        resource.Attributes.Add(OtlpAttributes.Text(ServiceNameKey, service));
        resource.Attributes.Add(OtlpAttributes.Text(NodeIdKey, nodeId));
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = ScopeName } };
        var resourceLogs = new ResourceLogs { Resource = resource };
        resourceLogs.ScopeLogs.Add(scope);
        request.ResourceLogs.Add(resourceLogs);
        return scope;
    }

    private static LogRecord ToLogRecord(Event evt, string sourceId, ulong sequence, ulong observedTimeUnixNano)
    {
        var record = new LogRecord
        {
            TimeUnixNano = evt.TimeUnixNano,
            ObservedTimeUnixNano = observedTimeUnixNano,
            SeverityNumber = ToSeverityNumber(evt.Severity),
            SeverityText = ToSeverityText(evt.Severity),
            Body = new AnyValue { StringValue = evt.Message.Length > 0 ? evt.Message : evt.EventType },
        };
        if (OtlpAttributes.IsValidId(evt.TraceId, OtlpAttributes.TraceIdBytes))
        {
            record.TraceId = evt.TraceId;
        }

        if (OtlpAttributes.IsValidId(evt.SpanId, OtlpAttributes.SpanIdBytes))
        {
            record.SpanId = evt.SpanId;
        }

        var attributes = record.Attributes;
        attributes.Add(OtlpAttributes.Text(EventTypeKey, evt.EventType));
        OtlpAttributes.AddTextIfAny(attributes, ComponentKey, evt.Component);
        OtlpAttributes.AddDouble(attributes, ValueKey, evt.Value);
        OtlpAttributes.AddTextIfAny(attributes, StatusKey, evt.Status);
        OtlpAttributes.AddTextIfAny(attributes, CorrelationIdKey, evt.CorrelationId);
        OtlpAttributes.AddIntIfAny(attributes, TokensGeneratedKey, evt.TokensGenerated);
        OtlpAttributes.AddIntIfAny(attributes, PromptTokensKey, evt.PromptTokens);
        OtlpAttributes.AddOrigin(attributes, evt, sourceId, sequence);
        record.DroppedAttributesCount = OtlpAttributes.AddOwn(attributes, evt.Attributes);
        return record;
    }
}
