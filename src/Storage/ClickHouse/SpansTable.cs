namespace Collector.Storage.ClickHouse;

/// <summary>
/// The spans table: one row per OpenTelemetry span (events carrying a TraceSpan). Ids are lowercase hex, as in the
/// events table. Sorted by (trace_id, ts) within daily partitions, so "all spans of a trace" reads a few granules
/// per partition. A span's events and links are parallel arrays; their attributes are JSON objects (one string per
/// span event or link). Rows carry their place in the log (log_id, log_address, log_row) as the events table's do.
/// </summary>
public static class SpansTable
{
    public const string Name = "spans";

    public static readonly IReadOnlyList<string> Columns =
    [
        "source_id", "sequence", "ts", "ts_ns", "end_ns", "duration_ns", "trace_id", "span_id", "parent_span_id",
        "name", "kind", "status_code", "status_message", "trace_state", "flags", "service", "attribute_keys",
        "attribute_values", "event_ts_ns", "event_names", "event_attributes", "link_trace_ids", "link_span_ids",
        "link_trace_states", "link_attributes", "dropped_attributes_count", "dropped_events_count",
        "dropped_links_count", "origin", "path", "trust_level", "node", "received_ns", "log_address", "log_row", "log_id",
        "event_dropped_attributes_counts", "link_flags", "link_dropped_attributes_counts",
    ];

    /// <summary>Columns schema version 5 adds after those of <see cref="ColumnDefinitions"/>, in <see cref="Columns"/> order.</summary>
    public static readonly IReadOnlyList<(string Name, string Type)> AddedInVersion5 =
    [
        ("event_dropped_attributes_counts", "Array(UInt32)"),
        ("link_flags", "Array(UInt32)"),
        ("link_dropped_attributes_counts", "Array(UInt32)"),
    ];

    /// <summary>The column definitions schema version 3 creates, in <see cref="Columns"/> order. ts and ts_ns are the start.</summary>
    public const string ColumnDefinitions = """
        source_id String,
        sequence UInt64,
        ts DateTime,
        ts_ns UInt64,
        end_ns UInt64,
        duration_ns UInt64,
        trace_id String,
        span_id String,
        parent_span_id String,
        name String,
        kind UInt8,
        status_code UInt8,
        status_message String,
        trace_state String,
        flags UInt32,
        service String,
        attribute_keys Array(String),
        attribute_values Array(String),
        event_ts_ns Array(UInt64),
        event_names Array(String),
        event_attributes Array(String),
        link_trace_ids Array(String),
        link_span_ids Array(String),
        link_trace_states Array(String),
        link_attributes Array(String),
        dropped_attributes_count UInt32,
        dropped_events_count UInt32,
        dropped_links_count UInt32,
        origin String,
        path Array(String),
        trust_level String,
        node String,
        received_ns UInt64,
        log_address UInt64,
        log_row UInt32,
        log_id String
        """;
}
