using System.Diagnostics.Metrics;
using Collector.Storage.ClickHouse;
using Collector.Storage.Log;
using Collector.Storage.Queries;

namespace Collector.Host.Metrics;

/// <summary>Observable instruments of the ClickHouse side (core profile only): the batcher's totals and lag, retention, and the footprint thresholds.</summary>
public static class StorageInstruments
{
    public static void Register(Meter meter, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(services);
        if (services.GetService<ClickHouseBatcherCounters>() is not { } batcher)
        {
            return;
        }

        var log = services.GetRequiredService<DurableLog>();
        meter.CreateObservableCounter("collector.clickhouse.rows.inserted", () => batcher.RowsInserted, "{row}", "Rows stored in ClickHouse (found already stored after a failure included).");
        meter.CreateObservableCounter("collector.clickhouse.inserts", () => batcher.Batches, "{insert}", "Inserts into ClickHouse that succeeded.");
        meter.CreateObservableCounter(
            "collector.clickhouse.errors",
            () => batcher.FailuresByReason.Select(pair => new Measurement<long>(pair.Value, new KeyValuePair<string, object?>("reason", pair.Key))),
            "{error}",
            "Failed ClickHouse requests by reason: transient, bad_data, schema, permanent (see ClickHouseErrorKind), internal.");
        meter.CreateObservableGauge("collector.batcher.lag.bytes", () => Math.Max(0, log.CommittedUntilAddress - batcher.CompletedUntil), "By", "Committed log bytes the ClickHouse batcher has not stored yet.");
        meter.CreateObservableGauge(
            "collector.batcher.lag.events",
            () => batcher.LagEvents(log.AppendedEvents) is { } lag ? [new Measurement<long>(lag)] : Array.Empty<Measurement<long>>(),
            "{event}",
            "Events appended to the log that the ClickHouse batcher has not stored yet (reported once it has counted the backlog it started with).");
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
                () => footprint.Last is { } last ? [new Measurement<long>(last.Bytes)] : Array.Empty<Measurement<long>>(),
                "By",
                "Bytes on disk of the raw events table's active parts, read from ClickHouse once a minute (absent before the first read).");
            meter.CreateObservableGauge(
                "collector.clickhouse.raw_table.rows",
                () => footprint.Last is { } last ? [new Measurement<long>(last.Rows)] : Array.Empty<Measurement<long>>(),
                "{row}",
                "Rows of the raw events table's active parts, read from ClickHouse once a minute (absent before the first read).");
        }

        if (services.GetService<TelemetryQueryOptions>() is { } thresholds)
        {
            meter.CreateObservableGauge("collector.footprint.max_raw_bytes", () => thresholds.MaxRawBytes, "By", "/telemetry/footprint flags the raw events table above this many bytes on disk.");
            meter.CreateObservableGauge("collector.footprint.max_raw_rows", () => thresholds.MaxRawRows, "{row}", "/telemetry/footprint flags the raw events table above this many rows.");
            meter.CreateObservableGauge("collector.query.degradation_threshold", () => thresholds.DegradationThresholdPct, "%", "/telemetry/60day calls a component degraded when its last 7 days are this many percent slower than the 7 before.");
        }
    }
}
