using Collector.Storage.ClickHouse;
using Collector.Storage.Log;

namespace Collector.Host.Http;

/// <summary>
/// Each ClickHouse table's batcher as /healthcheck and /telemetry/status show it, beside the clickhouse section's
/// totals (rows and inserts summed over the tables, the slowest table's position and lag, the first failing table's error).
/// </summary>
internal static class TableStatus
{
    public static Dictionary<string, object> Of(TableBatcherCounters batchers, DurableLog log) =>
        batchers.Tables.ToDictionary(
            b => b.Table,
            b => (object)new
            {
                rows_inserted = b.RowsInserted,
                inserts = b.Batches,
                failures = b.Failures,
                dead_lettered = b.DeadLettered,
                completed_until = b.CompletedUntil,
                lag_bytes = Math.Max(0, log.CommittedUntilAddress - b.CompletedUntil),
                last_error = b.LastError,
            },
            StringComparer.Ordinal);
}
