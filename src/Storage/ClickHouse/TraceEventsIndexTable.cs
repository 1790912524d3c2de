namespace Collector.Storage.ClickHouse;

/// <summary>
/// events_by_trace: where in time the raw events of a trace lie. The events table is sorted by
/// (event_type, component, ts), so "the events carrying trace id X" would read the trace_id column of every
/// partition; this small table, sorted by trace_id and filled by a materialized view on every insert into events,
/// answers "from when to when" by its sort key, and the events are then read by that exact time range (daily
/// partitions pruned, the ts part of the events' key narrowing each (event_type, component) run). Exact where a
/// margin around the spans' time range would guess, and it serves traces that have log events but no stored spans.
/// One row per trace id per insert block (the view's GROUP BY sees one block), so rows are few; partitioned by day
/// as events are and dropped with them (RetentionEnforcer).
/// </summary>
public static class TraceEventsIndexTable
{
    public const string Name = "events_by_trace";

    /// <summary>Schema version 4: the table, its view, and the rows of events stored before the view existed.</summary>
    public static IEnumerable<string> Version4(string db)
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{Name} (trace_id String, first_ts DateTime, last_ts DateTime, events UInt64)
            ENGINE = MergeTree() PARTITION BY toYYYYMMDD(first_ts) ORDER BY (trace_id, first_ts)
            """;

        // Created before the backfill, so no insert falls between the two; a row both see is counted twice, which
        // only widens nothing: readers take min(first_ts) and max(last_ts). A rerun after a crash does the same.
        yield return $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{Name}_mv TO {db}.{Name} AS
            SELECT trace_id, min(ts) AS first_ts, max(ts) AS last_ts, count() AS events
            FROM {db}.{EventsTable.Name} WHERE trace_id != '' GROUP BY trace_id
            """;
        yield return $"""
            INSERT INTO {db}.{Name} (trace_id, first_ts, last_ts, events)
            SELECT trace_id, ts, ts, 1 FROM {db}.{EventsTable.Name} WHERE trace_id != ''
            """;
    }
}
