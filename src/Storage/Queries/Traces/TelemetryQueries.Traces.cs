using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// GET /telemetry/traces/{trace_id}. Spans are read by the spans table's sort key (trace_id, ts): one granule per
/// daily partition passes the key, and PREWHERE reads only its trace_id column before the rest. Events are found
/// through events_by_trace (<see cref="TraceEventsIndexTable"/>): its sort key gives the trace's first and last event
/// time, and the events table is then read for exactly that time range (partitions pruned by day, the ts part of
/// its key narrowing each run of (event_type, component)). The span read and the index-then-events reads run side by
/// side. Measured in bench/queries/signals.sh (bench/RESULTS.md).
/// </summary>
public sealed partial class TelemetryQueries
{
    /// <summary>At most this many spans and this many events in one answer; more sets Truncated.</summary>
    public const int MaxTraceRows = 10_000;

    /// <summary>The trace, or null when neither spans nor events carry its id.</summary>
    public async Task<TraceReport?> TraceAsync(TraceRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = SqlText.Literal(request.TraceId);
        var spansTask = client.QueryAsync(
            $"SELECT {TraceRows.SpanColumns} FROM {Database}.{SpansTable.Name} PREWHERE trace_id = {id} ORDER BY ts_ns, span_id LIMIT {MaxTraceRows + 1}",
            cancellationToken);
        var eventsTask = TraceEventsAsync(id, cancellationToken);
        var spanRows = await spansTask;
        var eventRows = await eventsTask;
        if (spanRows.Count == 0 && eventRows.Count == 0)
        {
            return null;
        }

        var truncated = spanRows.Count > MaxTraceRows || eventRows.Count > MaxTraceRows;
        var (roots, spans) = TraceTree.Build(spanRows.Take(MaxTraceRows).Select(TraceRows.Span));
        var events = eventRows.Take(MaxTraceRows).Select(TraceRows.Event).ToList();
        DateTimeOffset? start = spans.Count == 0 ? null : spans.Min(s => s.Start);
        DateTimeOffset? end = spans.Count == 0 ? null : spans.Max(s => s.End);
        return new TraceReport(
            request.TraceId,
            start,
            end,
            start is { } s && end is { } e ? (e - s).TotalMilliseconds : null,
            spans.Select(x => x.Service).Concat(events.Select(x => x.Service)).Where(x => x.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
            spans.Count,
            events.Count,
            truncated,
            roots,
            spans,
            events);
    }

    private async Task<IReadOnlyList<System.Text.Json.JsonElement>> TraceEventsAsync(string id, CancellationToken cancellationToken)
    {
        var range = await client.QueryAsync(
            $"SELECT count() AS n, toUInt32(min(first_ts)) AS lo, toUInt32(max(last_ts)) AS hi FROM {Database}.{TraceEventsIndexTable.Name} WHERE trace_id = {id}",
            cancellationToken);
        if (range.Count == 0 || RowValues.Long(range[0], "n") == 0)
        {
            return [];
        }

        var from = DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(range[0], "lo"));
        var to = DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(range[0], "hi"));
        return await client.QueryAsync(
            $"""
            SELECT {TraceRows.EventColumns} FROM {Database}.{EventsTable.Name}
            WHERE ts >= {SqlText.Literal(from)} AND ts <= {SqlText.Literal(to)} AND trace_id = {id}
            ORDER BY ts_ns, source_id, sequence LIMIT {MaxTraceRows + 1}
            """,
            cancellationToken);
    }
}
