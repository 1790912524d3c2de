namespace Collector.Storage.ClickHouse;

/// <summary>
/// The counters of every table's batcher, events first, for /healthcheck, /telemetry/status and /metrics (each
/// family with a table label), and their sums where one number stands for all of ClickHouse.
/// </summary>
public sealed class TableBatcherCounters(IReadOnlyList<ClickHouseBatcherCounters> tables)
{
    public IReadOnlyList<ClickHouseBatcherCounters> Tables { get; } = tables;

    public ClickHouseBatcherCounters Events => For(EventsTable.Name);

    public long RowsInserted => Tables.Sum(t => t.RowsInserted);

    public long Batches => Tables.Sum(t => t.Batches);

    public long Failures => Tables.Sum(t => t.Failures);

    public long DeadLettered => Tables.Sum(t => t.DeadLettered);

    /// <summary>The slowest batcher's position: the log is needed from here on by ClickHouse.</summary>
    public long CompletedUntil => Tables.Min(t => t.CompletedUntil);

    /// <summary>A failing table's latest error, events first; null while every table stores.</summary>
    public string? LastError => Tables.Select(t => t.LastError).FirstOrDefault(e => e is not null);

    public ClickHouseBatcherCounters For(string table) => Tables.First(t => string.Equals(t.Table, table, StringComparison.Ordinal));
}
