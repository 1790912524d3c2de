namespace Collector.Storage.ClickHouse;

/// <summary>
/// correlation_index: where in time the events of one correlation id lie, so GET /telemetry/events?correlation_id=
/// reads only that time range instead of the correlation_id column of all 60 daily partitions (455 ms on 10 M events,
/// bench/RESULTS.md). Built as <see cref="TraceIndexTable"/> is: sorted by correlation_id in monthly partitions,
/// filled by a materialized view on every insert into events (one row per id per insert block), readers take
/// min(first_ts) and max(last_ts), and its months are dropped once wholly past the raw retention.
/// </summary>
public static class CorrelationIndexTable
{
    public const string Name = "correlation_index";

    /// <summary>Schema version 7: the table, its view, and the rows stored before the view existed.</summary>
    public static IEnumerable<string> Version7(string db)
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{Name} (correlation_id String, first_ts DateTime, last_ts DateTime, events UInt64)
            ENGINE = MergeTree() PARTITION BY toYYYYMM(first_ts) ORDER BY (correlation_id, first_ts)
            """;

        // The view before the backfill, so no insert falls between the two; a row both see is indexed twice, which
        // changes nothing for min and max. A rerun after a crash does the same.
        yield return $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{Name}_mv TO {db}.{Name} AS
            SELECT correlation_id, min(ts) AS first_ts, max(ts) AS last_ts, count() AS events
            FROM {db}.{EventsTable.Name} WHERE correlation_id != '' GROUP BY correlation_id
            """;
        yield return $"""
            INSERT INTO {db}.{Name} (correlation_id, first_ts, last_ts, events)
            SELECT correlation_id, ts, ts, 1 FROM {db}.{EventsTable.Name} WHERE correlation_id != ''
            """;
    }
}
