using System.Text.Encodings.Web;
using System.Text.Json;
using Collector.Host.JsonApi;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.Queries;

namespace Collector.Host.Http;

/// <summary>
/// One stored event as GET /telemetry/events shows it, written field by field so a page and an export share one
/// shape: time twice (RFC 3339 with nanoseconds, and ts_ns), the severity's name beside its number, attributes as
/// an object, provenance as its own object, trace and span ids as lower-case hex or null.
/// </summary>
internal static class EventJson
{
    // Not for HTML: text stays readable (no \u escapes for non-ASCII), JSON stays valid.
    public static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(Utf8JsonWriter writer, StoredEvent e)
    {
        writer.WriteStartObject();
        writer.WriteString("time", Rfc3339.FormatUnixNanoseconds(e.TimeUnixNano));
        writer.WriteNumber("ts_ns", e.TimeUnixNano);
        writer.WriteString("event_type", e.EventType);
        writer.WriteString("component", e.Component);
        writer.WriteNumber("value", e.Value);
        writer.WriteString("status", e.Status);
        var severity = (Severity)e.Severity;
        if (Enum.IsDefined(severity))
        {
            writer.WriteString("severity", severity.ToString().ToUpperInvariant());
        }
        else
        {
            writer.WriteNull("severity");
        }

        writer.WriteNumber("severity_number", e.Severity);
        writer.WriteString("message", e.Message);
        writer.WriteString("service", e.Service);
        writer.WriteString("correlation_id", e.CorrelationId);
        writer.WriteNumber("tokens_generated", e.TokensGenerated);
        writer.WriteNumber("prompt_tokens", e.PromptTokens);
        writer.WriteStartObject("attributes");
        foreach (var (key, value) in e.Attributes)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
        writer.WriteStartObject("provenance");
        writer.WriteString("origin", e.Origin);
        writer.WriteStartArray("path");
        foreach (var node in e.Path)
        {
            writer.WriteStringValue(node);
        }

        writer.WriteEndArray();
        writer.WriteString("trust_level", e.TrustLevel);
        writer.WriteNumber("sync_version", e.SyncVersion);
        writer.WriteEndObject();
        WriteId(writer, "trace_id", e.TraceId);
        WriteId(writer, "span_id", e.SpanId);
        writer.WriteString("source_id", e.SourceId);
        writer.WriteNumber("sequence", e.Sequence);
        writer.WriteString("node", e.Node);
        writer.WriteEndObject();
    }

    private static void WriteId(Utf8JsonWriter writer, string name, string hex)
    {
        if (hex.Length == 0)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, hex);
        }
    }
}
