using System.Text.Json;

namespace Collector.Tests.Infrastructure;

/// <summary>One row of the ClickHouse events table, as the columns hold it.</summary>
internal sealed record StoredRow(
    string SourceId, string EventType, string Service, int Severity, string Message, string CorrelationId,
    Dictionary<string, string> Attributes, string TraceId, string SpanId, ulong TimeNs)
{
    private const string Columns = "source_id, event_type, service, severity, message, correlation_id, attribute_keys, attribute_values, trace_id, span_id, ts_ns";

    /// <summary>Every row of the events table in <paramref name="database"/>, oldest first.</summary>
    public static async Task<List<StoredRow>> ReadAllAsync(ClickHouseServer server, string database)
    {
        using var client = server.CreateClient(database);
        var rows = await client.QueryAsync($"SELECT {Columns} FROM events ORDER BY ts_ns, message");
        return rows.Select(From).ToList();
    }

    private static StoredRow From(JsonElement row)
    {
        var keys = row.GetProperty("attribute_keys").EnumerateArray().Select(k => k.GetString()!).ToList();
        var values = row.GetProperty("attribute_values").EnumerateArray().Select(v => v.GetString()!).ToList();
        return new StoredRow(
            row.GetProperty("source_id").GetString()!,
            row.GetProperty("event_type").GetString()!,
            row.GetProperty("service").GetString()!,
            row.GetProperty("severity").GetInt32(),
            row.GetProperty("message").GetString()!,
            row.GetProperty("correlation_id").GetString()!,
            keys.Zip(values).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal),
            row.GetProperty("trace_id").GetString()!,
            row.GetProperty("span_id").GetString()!,
            ulong.Parse(row.GetProperty("ts_ns").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }
}
