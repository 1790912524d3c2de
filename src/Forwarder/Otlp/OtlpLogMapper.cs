using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace Collector.Forwarder.Otlp;

// ForwardBatch → ExportLogsServiceRequest, one LogRecord per event:
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

    private const int TraceIdBytes = 16;
    private const int SpanIdBytes = 8;

    /// <summary>The request for <paramref name="batch"/>; resources appear in the order their first event does.</summary>
    public static ExportLogsServiceRequest Map(ForwardBatch batch, string nodeId, ulong observedTimeUnixNano)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(nodeId);
        var request = new ExportLogsServiceRequest();
        var scopes = new Dictionary<string, ScopeLogs>(StringComparer.Ordinal);
        foreach (var run in batch.Runs)
        {
            var sequence = run.FirstSequence;
            foreach (var evt in run.ReadEvents())
            {
                var service = evt.Service.Length == 0 ? UnknownService : evt.Service;
                if (!scopes.TryGetValue(service, out var scope))
                {
                    scope = AddResource(request, service, nodeId);
                    scopes.Add(service, scope);
                }

                scope.LogRecords.Add(ToLogRecord(evt, run.SourceId, sequence, observedTimeUnixNano));
                if (sequence != 0)
                {
                    sequence++;
                }
            }
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
        resource.Attributes.Add(Text(ServiceNameKey, service));
        resource.Attributes.Add(Text(NodeIdKey, nodeId));
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
        if (IsValidId(evt.TraceId, TraceIdBytes))
        {
            record.TraceId = evt.TraceId;
        }

        if (IsValidId(evt.SpanId, SpanIdBytes))
        {
            record.SpanId = evt.SpanId;
        }

        var attributes = record.Attributes;
        attributes.Add(Text(EventTypeKey, evt.EventType));
        AddTextIfAny(attributes, ComponentKey, evt.Component);
        attributes.Add(new KeyValue { Key = ValueKey, Value = new AnyValue { DoubleValue = evt.Value } });
        AddTextIfAny(attributes, StatusKey, evt.Status);
        AddTextIfAny(attributes, CorrelationIdKey, evt.CorrelationId);
        AddIntIfAny(attributes, TokensGeneratedKey, evt.TokensGenerated);
        AddIntIfAny(attributes, PromptTokensKey, evt.PromptTokens);
        AddTextIfAny(attributes, SourceIdKey, sourceId);
        AddIntIfAny(attributes, SequenceKey, unchecked((long)sequence));
        if (evt.Provenance is { } provenance)
        {
            AddProvenance(attributes, provenance);
        }

        // The event's own keys are unique already; only the mapper's keys can clash with them.
        var ownCount = attributes.Count;
        foreach (var (key, value) in evt.Attributes)
        {
            if (Contains(attributes, ownCount, key))
            {
                record.DroppedAttributesCount++;
                continue;
            }

            attributes.Add(Text(key, value));
        }

        return record;
    }

    private static void AddProvenance(RepeatedField<KeyValue> attributes, Provenance provenance)
    {
        AddTextIfAny(attributes, OriginKey, provenance.Origin);
        if (provenance.Path.Count > 0)
        {
            var path = new ArrayValue();
            foreach (var node in provenance.Path)
            {
                path.Values.Add(new AnyValue { StringValue = node });
            }

            attributes.Add(new KeyValue { Key = PathKey, Value = new AnyValue { ArrayValue = path } });
        }

        AddTextIfAny(attributes, TrustLevelKey, provenance.TrustLevel);
        AddIntIfAny(attributes, SyncVersionKey, unchecked((long)provenance.SyncVersion));
    }

    /// <summary>Whether the first <paramref name="count"/> attributes (at most fifteen) hold <paramref name="key"/>.</summary>
    private static bool Contains(RepeatedField<KeyValue> attributes, int count, string key)
    {
        for (var i = 0; i < count; i++)
        {
            if (string.Equals(attributes[i].Key, key, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsValidId(ByteString id, int length)
    {
        if (id.Length != length)
        {
            return false;
        }

        // All zeroes is "no id" in OTLP (and W3C trace context).
        return id.Span.ContainsAnyExcept((byte)0);
    }

    private static KeyValue Text(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    private static void AddTextIfAny(RepeatedField<KeyValue> attributes, string key, string value)
    {
        if (value.Length > 0)
        {
            attributes.Add(Text(key, value));
        }
    }

    private static void AddIntIfAny(RepeatedField<KeyValue> attributes, string key, long value)
    {
        if (value != 0)
        {
            attributes.Add(new KeyValue { Key = key, Value = new AnyValue { IntValue = value } });
        }
    }
}
