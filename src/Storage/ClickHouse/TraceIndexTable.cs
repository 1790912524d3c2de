namespace Collector.Storage.ClickHouse;

/// <summary>
/// trace_index: where in time a trace lies. Neither big table finds a trace cheaply on its own: the events table is
/// sorted by (event_type, component, ts), so "the events carrying trace id X" reads the trace_id column of every
/// partition; the spans table is sorted by trace_id, but within 60 daily partitions, so reading all columns of the
/// granule that may hold X costs a seek per column per partition (85 ms for one trace on 60 days, bench/RESULTS.md).
/// This small table, sorted by trace_id in monthly partitions (two or three parts to look in) and filled by
/// materialized views on every insert into events and into spans, answers "from when to when" by its sort key; spans
/// and events are then read for exactly that time range (daily partitions pruned, and the ts part of each table's key
/// narrowing the rest). Exact where a margin around the spans' times would guess, and it serves traces with log events
/// but no stored spans. One row per trace id per insert block and table (a view's GROUP BY sees one block), so rows are
/// few. Its months are dropped once wholly past the raw retention (RetentionEnforcer): a month kept longer only points
/// at rows already gone.
/// </summary>
public static class TraceIndexTable
{
    public const string Name = "trace_index";

    /// <summary>Schema version 6: the table, its two views, and the rows stored before the views existed.</summary>
    public static IEnumerable<string> Version6(string db)
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{Name} (trace_id String, first_ts DateTime, last_ts DateTime, spans UInt64, events UInt64)
            ENGINE = MergeTree() PARTITION BY toYYYYMM(first_ts) ORDER BY (trace_id, first_ts)
            """;

        // Views before the backfill, so no insert falls between the two; a row both see is indexed twice, which changes
        // nothing: readers take min(first_ts) and max(last_ts). A rerun after a crash does the same.
        foreach (var (table, count, one) in new[] { (EventsTable.Name, "toUInt64(0) AS spans, count() AS events", "0, 1"), (SpansTable.Name, "count() AS spans, toUInt64(0) AS events", "1, 0") })
        {
            yield return $"""
                CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{Name}_{table}_mv TO {db}.{Name} AS
                SELECT trace_id, min(ts) AS first_ts, max(ts) AS last_ts, {count}
                FROM {db}.{table} WHERE trace_id != '' GROUP BY trace_id
                """;
            yield return $"""
                INSERT INTO {db}.{Name} (trace_id, first_ts, last_ts, spans, events)
                SELECT trace_id, ts, ts, {one} FROM {db}.{table} WHERE trace_id != ''
                """;
        }
    }
}
