using System.Diagnostics.Metrics;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Storage.Queries;

namespace Collector.Host.Metrics;

/// <summary>Observable instruments of the ClickHouse side (core profile only): the batcher's totals and lag, retention, the raw tables' footprint and its thresholds, and each component's efficiency against its baseline.</summary>
public static class StorageInstruments
{
    private static readonly IReadOnlyDictionary<string, (long Bytes, long Rows)> NoTables = new Dictionary<string, (long Bytes, long Rows)>(StringComparer.Ordinal);

    public static void Register(Meter meter, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<TableBatcherCounters>() is not { } batchers)
        {
            return;
        }

        // Every batcher family carries the table its batcher stores into (events, metric_points, spans).
        var log = services.GetRequiredService<DurableLog>();
        meter.CreateObservableCounter("collector.clickhouse.rows.inserted", () => PerTable(batchers, b => b.RowsInserted), "{row}", "Rows stored in ClickHouse by table (found already stored after a failure included).");
        meter.CreateObservableCounter("collector.clickhouse.inserts", () => PerTable(batchers, b => b.Batches), "{insert}", "Inserts into ClickHouse that succeeded, by table.");
        meter.CreateObservableCounter(
            "collector.clickhouse.errors",
            () => batchers.Tables.SelectMany(b => b.FailuresByReason.Select(pair => new Measurement<long>(pair.Value, Table(b), new KeyValuePair<string, object?>("reason", pair.Key)))),
            "{error}",
            "Failed ClickHouse requests by table and reason: transient, bad_data, schema, permanent (see ClickHouseErrorKind), internal.");
        meter.CreateObservableGauge("collector.batcher.lag.bytes", () => PerTable(batchers, b => Math.Max(0, log.CommittedUntilAddress - b.CompletedUntil)), "By", "Committed log bytes a table's ClickHouse batcher has not passed yet.");
        meter.CreateObservableGauge(
            "collector.batcher.lag.events",
            () => batchers.Tables.Where(b => b.LagEvents(log.AppendedEvents) is not null).Select(b => new Measurement<long>(b.LagEvents(log.AppendedEvents)!.Value, Table(b))),
            "{event}",
            "Events appended to the log that a table's ClickHouse batcher has not passed yet (stored, or found to be another table's); reported once it has counted the backlog it started with.");
        if (services.GetService<RetentionCounters>() is { } retention)
        {
            meter.CreateObservableCounter(
                "collector.clickhouse.partitions.dropped",
                () => retention.PartitionsDropped.Select(pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>("table", pair.Key))),
                "{partition}",
                "Daily partitions dropped by retention, by table.");
        }

        if (services.GetService<RawTableFootprint>() is { } footprint)
        {
            meter.CreateObservableGauge(
                "collector.clickhouse.raw_table.bytes",
                () => (footprint.Tables ?? NoTables).Select(t => new Measurement<long>(t.Value.Bytes, new KeyValuePair<string, object?>("table", t.Key))),
                "By",
                "Bytes on disk of each raw table's active parts (events, metric_points, spans), read from ClickHouse once a minute (absent before the first read).");
            meter.CreateObservableGauge(
                "collector.clickhouse.raw_table.rows",
                () => (footprint.Tables ?? NoTables).Select(t => new Measurement<long>(t.Value.Rows, new KeyValuePair<string, object?>("table", t.Key))),
                "{row}",
                "Rows of each raw table's active parts (events, metric_points, spans), read from ClickHouse once a minute (absent before the first read).");
        }

        if (services.GetService<EfficiencyBaseline>() is { } efficiency)
        {
            meter.CreateObservableGauge("collector.efficiency", () => PerComponent(efficiency, c => c.LastDayMsPerToken), "ms/{token}", "Token-weighted THOUGHT_LATENCY ms per token of each component over the last 24 h (hour rollup), read once a minute.");
            meter.CreateObservableGauge("collector.efficiency.baseline", () => PerComponent(efficiency, c => c.BaselineMsPerToken), "ms/{token}", "Token-weighted THOUGHT_LATENCY ms per token of each component over the 60 days before the last 24 h, read once a minute.");
            meter.CreateObservableGauge("collector.efficiency.change", () => PerComponent(efficiency, c => c.ChangePct), "%", "How much slower per token (positive) or faster each component was over the last 24 h than over its 60-day baseline, in percent.");
        }

        if (services.GetService<TelemetryQueryOptions>() is { } thresholds)
        {
            meter.CreateObservableGauge("collector.footprint.max_raw_bytes", () => thresholds.MaxRawBytes, "By", "/telemetry/footprint flags a raw table above this many bytes on disk.");
            meter.CreateObservableGauge("collector.footprint.max_raw_rows", () => thresholds.MaxRawRows, "{row}", "/telemetry/footprint flags a raw table above this many rows.");
            meter.CreateObservableGauge("collector.query.degradation_threshold", () => thresholds.DegradationThresholdPct, "%", "/telemetry/60day calls a component degraded when its last 7 days are this many percent slower than the 7 before.");
        }
    }

    private static KeyValuePair<string, object?> Table(ClickHouseBatcherCounters batcher) => new("table", batcher.Table);

    // A component without a value in a window (no tokens there) has no sample rather than a made-up 0.
    private static IEnumerable<Measurement<double>> PerComponent(EfficiencyBaseline efficiency, Func<EfficiencyChange, double?> value) =>
        (efficiency.Components ?? []).Where(c => value(c) is not null).Select(c => new Measurement<double>(value(c)!.Value, new KeyValuePair<string, object?>("component", c.Component)));

    private static IEnumerable<Measurement<long>> PerTable(TableBatcherCounters batchers, Func<ClickHouseBatcherCounters, long> value) =>
        batchers.Tables.Select(b => new Measurement<long>(value(b), Table(b)));
}
