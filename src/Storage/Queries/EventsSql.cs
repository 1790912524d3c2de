using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// The SQL of a raw-events read: the conditions every slice shares (filters, time range, cursor) and the answer's
/// order. Values reach the text only through <see cref="SqlText"/>. Each bound on ts_ns is also written on ts, the
/// DateTime the table is partitioned by and sorted by after (event_type, component), so ClickHouse skips the days and
/// the granules outside it; ts is ts_ns in whole seconds, which makes the two bounds say the same.
/// </summary>
internal static class EventsSql
{
    /// <summary>Newest first; the log place makes the order total (see <see cref="EventCursor"/>).</summary>
    public const string Order = "ORDER BY ts_ns DESC, log_id DESC, log_address DESC, log_row DESC";

    public static List<string> Conditions(EventsRequest request)
    {
        var filter = request.Filter;
        var conditions = new List<string>();
        void Equal(string column, string? value)
        {
            if (value is not null)
            {
                conditions.Add($"{column} = {SqlText.Literal(value)}");
            }
        }

        Equal("event_type", filter.EventType);
        Equal("component", filter.Component);
        Equal("service", filter.Service);
        Equal("source_id", filter.SourceId);
        Equal("origin", filter.Origin);
        Equal("trust_level", filter.TrustLevel);
        Equal("correlation_id", filter.CorrelationId);
        Equal("trace_id", filter.TraceId);
        Equal("span_id", filter.SpanId);
        if (filter.Severity is { } severity)
        {
            conditions.Add($"severity = {SqlText.Literal(severity)}");
        }

        if (filter.Node is { } node)
        {
            // The collector that stored the event, or one it passed through on its way here.
            var literal = SqlText.Literal(node);
            conditions.Add($"(node = {literal} OR has(path, {literal}))");
        }

        if (filter.Message is { } message)
        {
            conditions.Add($"positionCaseInsensitiveUTF8(message, {SqlText.Literal(message)}) > 0");
        }

        if (request.From is { } from)
        {
            conditions.Add($"ts >= {SqlText.Literal(from)}");
        }

        if (request.To is { } to)
        {
            conditions.Add($"ts < {SqlText.Literal(to)}");
        }

        if (request.After is { } after)
        {
            conditions.Add($"ts <= {SqlText.Literal(DateTimeOffset.FromUnixTimeSeconds(after.Seconds))}");
            conditions.Add(
                $"(ts_ns, log_id, log_address, log_row) < ({SqlText.Literal(after.TimeUnixNano)}, {SqlText.Literal(after.LogId)}, {SqlText.Literal(after.LogAddress)}, {SqlText.Literal(after.LogRow)})");
        }

        return conditions;
    }
}
