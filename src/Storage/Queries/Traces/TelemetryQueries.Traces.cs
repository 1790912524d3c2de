using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>
/// GET /telemetry/traces/{trace_id}: the trace's time range from trace_index (<see cref="TraceIndexTable"/>, by its
/// sort key), then its spans (by their sort key, trace_id first) and its events (by the ts part of theirs) within that
/// range, side by side. Measured in bench/queries/signals.sh (bench/RESULTS.md).
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
        var range = await client.QueryAsync(
            $"SELECT count() AS n, toUInt32(min(first_ts)) AS lo, toUInt32(max(last_ts)) AS hi FROM {Database}.{TraceIndexTable.Name} WHERE trace_id = {id}",
            cancellationToken);
        if (range.Count == 0 || RowValues.Long(range[0], "n") == 0)
        {
            return null;
        }

        var within = $"ts >= {SqlText.Literal(DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(range[0], "lo")))} AND ts <= {SqlText.Literal(DateTimeOffset.FromUnixTimeSeconds(RowValues.Long(range[0], "hi")))}";
        var spansTask = client.QueryAsync(
            $"SELECT {TraceRows.SpanColumns} FROM {Database}.{SpansTable.Name} PREWHERE trace_id = {id} WHERE {within} ORDER BY ts_ns, span_id LIMIT {MaxTraceRows + 1}",
            cancellationToken);
        var eventsTask = client.QueryAsync(
            $"SELECT {TraceRows.EventColumns} FROM {Database}.{EventsTable.Name} WHERE {within} AND trace_id = {id} ORDER BY ts_ns, source_id, sequence LIMIT {MaxTraceRows + 1}",
            cancellationToken);
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
}
