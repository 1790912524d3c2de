namespace Collector.Storage.ClickHouse;

/// <summary>
/// The metric points table: one row per OpenTelemetry data point (events carrying a MetricPoint), every kind in one
/// table with a kind column. Why one table: the kinds share identity, time, attributes and provenance; what only
/// some kinds have is empty arrays and zeroes, which cost next to nothing in columns; and one table means one
/// insert stream, one exactly-once check and one retention path. Rows carry their place in the log
/// (log_id, log_address, log_row) as the events table's do; log_row is the event's index in its entry.
/// Sorted by (name, service, ts): the read API asks for one metric over a time range.
/// </summary>
public static class MetricPointsTable
{
    public const string Name = "metric_points";

    public static readonly IReadOnlyList<string> Columns =
    [
        "source_id", "sequence", "ts", "ts_ns", "start_ns", "name", "description", "unit", "kind", "temporality",
        "monotonic", "flags", "value", "value_int", "value_is_int", "count", "sum", "has_sum", "min", "has_min", "max",
        "has_max", "explicit_bounds", "bucket_counts", "scale", "zero_count", "zero_threshold", "positive_offset",
        "positive_counts", "negative_offset", "negative_counts", "quantiles", "quantile_values", "exemplar_ts_ns",
        "exemplar_values", "exemplar_trace_ids", "exemplar_span_ids", "service", "attribute_keys", "attribute_values",
        "origin", "path", "trust_level", "node", "received_ns", "log_address", "log_row", "log_id",
        "exemplar_attributes",
    ];

    /// <summary>Columns schema version 5 adds after those of <see cref="ColumnDefinitions"/>, in <see cref="Columns"/> order.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedInVersion5 =
    [
        // Each exemplar's filtered attributes as one JSON object text, parallel to the other exemplar arrays.
        ("exemplar_attributes", "Array(String)"),
    ];

    /// <summary>The column definitions schema version 3 creates, in <see cref="Columns"/> order.</summary>
    public const string ColumnDefinitions = """
        source_id String,
        sequence UInt64,
        ts DateTime,
        ts_ns UInt64,
        start_ns UInt64,
        name String,
        description String,
        unit String,
        kind UInt8,
        temporality UInt8,
        monotonic UInt8,
        flags UInt32,
        value Float64,
        value_int Int64,
        value_is_int UInt8,
        count UInt64,
        sum Float64,
        has_sum UInt8,
        min Float64,
        has_min UInt8,
        max Float64,
        has_max UInt8,
        explicit_bounds Array(Float64),
        bucket_counts Array(UInt64),
        scale Int32,
        zero_count UInt64,
        zero_threshold Float64,
        positive_offset Int32,
        positive_counts Array(UInt64),
        negative_offset Int32,
        negative_counts Array(UInt64),
        quantiles Array(Float64),
        quantile_values Array(Float64),
        exemplar_ts_ns Array(UInt64),
        exemplar_values Array(Float64),
        exemplar_trace_ids Array(String),
        exemplar_span_ids Array(String),
        service String,
        attribute_keys Array(String),
        attribute_values Array(String),
        origin String,
        path Array(String),
        trust_level String,
        node String,
        received_ns UInt64,
        log_address UInt64,
        log_row UInt32,
        log_id String
        """;

    /// <summary>The kind column's values: MetricKind's numbers in proto/telemetry/v1/telemetry.proto.</summary>
    public const byte Gauge = 1;
    public const byte Sum = 2;
    public const byte Histogram = 3;
    public const byte ExponentialHistogram = 4;
    public const byte Summary = 5;
}
