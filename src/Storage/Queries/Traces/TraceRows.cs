using System.Globalization;
using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// Turns JSONEachRow rows of the spans and events tables into the answer's records: numeric kinds, statuses and
/// severities become OTLP's names, parallel attribute arrays an object, span event and link attributes (stored as
/// JSON object text) JSON again.
/// </summary>
internal static class TraceRows
{
    public const string SpanColumns =
        "span_id, parent_span_id, name, kind, status_code, status_message, ts_ns, end_ns, duration_ns, service, trace_state, flags, " +
        "attribute_keys, attribute_values, event_ts_ns, event_names, event_attributes, link_trace_ids, link_span_ids, " +
        "link_trace_states, link_attributes, dropped_attributes_count, dropped_events_count, dropped_links_count, " +
        "origin, path, trust_level, node, source_id, sequence";

    public const string EventColumns =
        "ts_ns, span_id, event_type, component, severity, message, status, value, service, correlation_id, " +
        "attribute_keys, attribute_values, origin, path, trust_level, node, source_id, sequence";

    private static readonly string[] SpanKinds = ["unspecified", "internal", "server", "client", "producer", "consumer"];
    private static readonly string[] StatusCodes = ["unset", "ok", "error"];
    private static readonly string[] Severities = ["unspecified", "trace", "debug", "info", "warn", "error", "fatal"];

    public static SpanNode Span(JsonElement row)
    {
        var startNs = UnsignedLong(row, "ts_ns");
        var endNs = UnsignedLong(row, "end_ns");
        var eventTimes = Strings(row, "event_ts_ns");
        var eventNames = Strings(row, "event_names");
        var eventAttributes = Strings(row, "event_attributes");
        var events = new List<SpanEventView>(eventNames.Count);
        for (var i = 0; i < eventNames.Count; i++)
        {
            var ns = i < eventTimes.Count ? ulong.Parse(eventTimes[i], CultureInfo.InvariantCulture) : 0;
            events.Add(new SpanEventView(Time(ns), Nanos(ns), eventNames[i], JsonObject(At(eventAttributes, i))));
        }

        var linkTraces = Strings(row, "link_trace_ids");
        var linkSpans = Strings(row, "link_span_ids");
        var linkStates = Strings(row, "link_trace_states");
        var linkAttributes = Strings(row, "link_attributes");
        var links = linkTraces.Select((trace, i) => new SpanLinkView(trace, At(linkSpans, i), At(linkStates, i), JsonObject(At(linkAttributes, i)))).ToList();

        return new SpanNode(
            RowValues.Text(row, "span_id"),
            RowValues.Text(row, "parent_span_id"),
            RowValues.Text(row, "name"),
            Name(SpanKinds, RowValues.Long(row, "kind")),
            Name(StatusCodes, RowValues.Long(row, "status_code")),
            RowValues.Text(row, "status_message"),
            Time(startNs),
            Time(endNs),
            Nanos(startNs),
            Nanos(endNs),
            RowValues.Long(row, "duration_ns"),
            RowValues.Text(row, "service"),
            RowValues.Text(row, "trace_state"),
            RowValues.Long(row, "flags"),
            Attributes(row),
            events,
            links,
            new SpanDropped(RowValues.Long(row, "dropped_attributes_count"), RowValues.Long(row, "dropped_events_count"), RowValues.Long(row, "dropped_links_count")),
            Provenance(row))
        {
            StartNs = startNs,
        };
    }

    public static TraceLogEvent Event(JsonElement row)
    {
        var ns = UnsignedLong(row, "ts_ns");
        return new TraceLogEvent(
            Time(ns),
            Nanos(ns),
            RowValues.Text(row, "span_id"),
            RowValues.Text(row, "event_type"),
            RowValues.Text(row, "component"),
            Name(Severities, RowValues.Long(row, "severity")),
            RowValues.Text(row, "message"),
            RowValues.Text(row, "status"),
            RowValues.Double(row, "value"),
            RowValues.Text(row, "service"),
            RowValues.Text(row, "correlation_id"),
            Attributes(row),
            Provenance(row));
    }

    /// <summary>Parallel key and value arrays as an object; a repeated key keeps its last value.</summary>
    public static Dictionary<string, string> Attributes(JsonElement row)
    {
        var keys = Strings(row, "attribute_keys");
        var values = Strings(row, "attribute_values");
        var attributes = new Dictionary<string, string>(keys.Count, StringComparer.Ordinal);
        for (var i = 0; i < keys.Count; i++)
        {
            attributes[keys[i]] = At(values, i);
        }

        return attributes;
    }

    private static RowProvenance Provenance(JsonElement row) =>
        new(RowValues.Text(row, "origin"), Strings(row, "path"), RowValues.Text(row, "trust_level"), RowValues.Text(row, "node"), RowValues.Text(row, "source_id"), RowValues.Long(row, "sequence"));

    private static List<string> Strings(JsonElement row, string name) =>
        row.GetProperty(name).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToList();

    private static string At(List<string> values, int i) => i < values.Count ? values[i] : string.Empty;

    private static string Name(string[] names, long value) =>
        value >= 0 && value < names.Length ? names[value] : value.ToString(CultureInfo.InvariantCulture);

    private static ulong UnsignedLong(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind == JsonValueKind.String ? ulong.Parse(value.GetString()!, CultureInfo.InvariantCulture) : value.GetUInt64();
    }

    private static string Nanos(ulong ns) => ns.ToString(CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(ulong ns) => DateTimeOffset.UnixEpoch.AddTicks((long)(ns / 100));

    /// <summary>Stored JSON object text as JSON; empty text is an empty object, anything unreadable stays a string.</summary>
    private static JsonElement JsonObject(string text)
    {
        if (text.Length == 0)
        {
            text = "{}";
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(text);
        }
    }
}
