using System.Globalization;
using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// One row of the events table as the read API returns it. Attributes keep the stored order; a key stored twice
/// keeps its last value, as a protobuf map does. Ids are lower-case hex, empty when the event had none.
/// </summary>
public sealed record StoredEvent(
    ulong TimeUnixNano,
    string EventType,
    string Component,
    double Value,
    string Status,
    byte Severity,
    string Message,
    string Service,
    string CorrelationId,
    uint TokensGenerated,
    uint PromptTokens,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    string Origin,
    IReadOnlyList<string> Path,
    string TrustLevel,
    ulong SyncVersion,
    string TraceId,
    string SpanId,
    string SourceId,
    ulong Sequence,
    string Node,
    EventCursor Place)
{
    /// <summary>The columns <see cref="Read"/> expects, in the order a SELECT names them.</summary>
    public const string Columns =
        "ts_ns, event_type, component, value, status, severity, message, service, correlation_id, tokens_generated, "
        + "prompt_tokens, attribute_keys, attribute_values, origin, path, trust_level, sync_version, trace_id, span_id, "
        + "source_id, sequence, node, log_id, log_address, log_row";

    /// <summary>Reads a JSONEachRow row of <see cref="Columns"/> (ClickHouse quotes 64-bit integers).</summary>
    public static StoredEvent Read(JsonElement row)
    {
        var time = UInt64(row, "ts_ns");
        return new StoredEvent(
            time,
            RowValues.Text(row, "event_type"),
            RowValues.Text(row, "component"),
            row.GetProperty("value").GetDouble(),
            RowValues.Text(row, "status"),
            row.GetProperty("severity").GetByte(),
            RowValues.Text(row, "message"),
            RowValues.Text(row, "service"),
            RowValues.Text(row, "correlation_id"),
            row.GetProperty("tokens_generated").GetUInt32(),
            row.GetProperty("prompt_tokens").GetUInt32(),
            ReadAttributes(Strings(row, "attribute_keys"), Strings(row, "attribute_values")),
            RowValues.Text(row, "origin"),
            Strings(row, "path"),
            RowValues.Text(row, "trust_level"),
            UInt64(row, "sync_version"),
            RowValues.Text(row, "trace_id"),
            RowValues.Text(row, "span_id"),
            RowValues.Text(row, "source_id"),
            UInt64(row, "sequence"),
            RowValues.Text(row, "node"),
            new EventCursor(time, RowValues.Text(row, "log_id"), UInt64(row, "log_address"), row.GetProperty("log_row").GetUInt32()));
    }

    private static ulong UInt64(JsonElement row, string name)
    {
        var value = row.GetProperty(name);
        return value.ValueKind == JsonValueKind.String
            ? ulong.Parse(value.GetString()!, NumberStyles.None, CultureInfo.InvariantCulture)
            : value.GetUInt64();
    }

    private static string[] Strings(JsonElement row, string name) =>
        [.. row.GetProperty(name).EnumerateArray().Select(e => e.GetString() ?? string.Empty)];

    private static List<KeyValuePair<string, string>> ReadAttributes(string[] keys, string[] values)
    {
        var attributes = new List<KeyValuePair<string, string>>(keys.Length);
        var index = new Dictionary<string, int>(keys.Length, StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            var value = i < values.Length ? values[i] : string.Empty;
            if (index.TryGetValue(keys[i], out var at))
            {
                attributes[at] = new(keys[i], value);
                continue;
            }

            index[keys[i]] = attributes.Count;
            attributes.Add(new(keys[i], value));
        }

        return attributes;
    }
}
