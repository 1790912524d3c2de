namespace Collector.Storage.ClickHouse;

/// <summary>
/// The raw events table: one row per stored event, the columns <see cref="EventRowEncoder"/> writes, in order.
/// (log_id, log_address, log_row) names the row's place in the durable log it came from, which makes inserts
/// checkable: log_id tells apart logs whose addresses coincide (see LogIdentity). Columns added by later schema
/// versions go at the end, in the order those versions add them.
/// </summary>
public static class EventsTable
{
    public const string Name = "events";

    public static readonly IReadOnlyList<string> Columns =
    [
        "source_id", "sequence", "ts", "ts_ns", "event_type", "component", "value", "status", "severity", "message",
        "service", "correlation_id", "tokens_generated", "prompt_tokens", "attribute_keys", "attribute_values",
        "origin", "path", "trust_level", "sync_version", "trace_id", "span_id", "node", "received_ns", "log_address", "log_row", "log_id",
    ];

    /// <summary>The column definitions, in <see cref="Columns"/> order.</summary>
    public const string ColumnDefinitions = """
        source_id String,
        sequence UInt64,
        ts DateTime,
        ts_ns UInt64,
        event_type String,
        component String,
        value Float64,
        status String,
        severity UInt8,
        message String,
        service String,
        correlation_id String,
        tokens_generated UInt32,
        prompt_tokens UInt32,
        attribute_keys Array(String),
        attribute_values Array(String),
        origin String,
        path Array(String),
        trust_level String,
        sync_version UInt64,
        trace_id String,
        span_id String,
        node String,
        received_ns UInt64,
        log_address UInt64,
        log_row UInt32,
        log_id String
        """;
}
