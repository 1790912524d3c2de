// The per-minute rollup of metric points: what dashboards ask of a metric without reading its raw points.
//
// One row per series and minute, a series being (name, service, kind, temporality, monotonic, attributes and, for
// histograms, the bucket bounds); `series` is a hash of the attributes and bounds that keys the sort order, the arrays
// themselves are kept beside it (the same within a series) so a query can filter on them. The aggregates, by kind:
//
//   gauge, sum        points, value_sum, value_min, value_max, value_last (argMax by ts_ns: a gauge's last reading,
//                     a cumulative sum's running total at the end of the minute; delta sums add up in value_sum)
//   histogram         count_sum, sum_sum, bucket_counts_sum (sumForEach: for delta temporality, the minute's
//                     observations per bucket) and count_last, sum_last, bucket_counts_last (for cumulative: the counts
//                     at the minute's last point; a rate is the difference between minutes)
//   exponential       count_*, sum_* as histograms (bucket arrays vary with the scale: read them from the raw table)
//   histogram,
//   summary
//
// Points flagged "no recorded value" (OTLP flag 1) are left out. Filled by a materialized view on each insert into
// metric_points, as events_1m is from events; partitions by month, dropped by the rollup retention. All of it is 18.16
// SQL (AggregatingMergeTree, -State/-Merge, sumForEach, argMax over arrays) that current versions run unchanged.
namespace Collector.Storage.ClickHouse;

/// <summary>Schema version 4: the metric_points_1m rollup and its view (see the note at the top).</summary>
public static class MetricPointsRollup
{
    public const string Name = "metric_points_1m";

    internal static IEnumerable<string> Version4(string db)
    {
        yield return $"""
            CREATE TABLE IF NOT EXISTS {db}.{Name} (
                bucket DateTime,
                name String,
                service String,
                kind UInt8,
                temporality UInt8,
                monotonic UInt8,
                series UInt64,
                attribute_keys Array(String),
                attribute_values Array(String),
                explicit_bounds Array(Float64),
                points AggregateFunction(count),
                value_sum AggregateFunction(sum, Float64),
                value_min AggregateFunction(min, Float64),
                value_max AggregateFunction(max, Float64),
                value_last AggregateFunction(argMax, Float64, UInt64),
                count_sum AggregateFunction(sum, UInt64),
                count_last AggregateFunction(argMax, UInt64, UInt64),
                sum_sum AggregateFunction(sum, Float64),
                sum_last AggregateFunction(argMax, Float64, UInt64),
                bucket_counts_sum AggregateFunction(sumForEach, Array(UInt64)),
                bucket_counts_last AggregateFunction(argMax, Array(UInt64), UInt64))
            ENGINE = AggregatingMergeTree() PARTITION BY toYYYYMM(bucket) ORDER BY (name, service, kind, temporality, monotonic, series, bucket)
            """;
        yield return $"""
            CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.{Name}_mv TO {db}.{Name} AS
            SELECT toStartOfMinute(ts) AS bucket, name, service, kind, temporality, monotonic,
                cityHash64(attribute_keys, attribute_values, explicit_bounds) AS series,
                attribute_keys, attribute_values, explicit_bounds,
                countState() AS points,
                sumState(value) AS value_sum,
                minState(value) AS value_min,
                maxState(value) AS value_max,
                argMaxState(value, ts_ns) AS value_last,
                sumState(count) AS count_sum,
                argMaxState(count, ts_ns) AS count_last,
                sumState(sum) AS sum_sum,
                argMaxState(sum, ts_ns) AS sum_last,
                sumForEachState(bucket_counts) AS bucket_counts_sum,
                argMaxState(bucket_counts, ts_ns) AS bucket_counts_last
            FROM {db}.{MetricPointsTable.Name}
            WHERE bitAnd(flags, 1) = 0
            GROUP BY bucket, name, service, kind, temporality, monotonic, attribute_keys, attribute_values, explicit_bounds
            """;
    }
}
