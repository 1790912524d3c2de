using System.Text.Json;

namespace Collector.Storage.Queries;

// The answer of GET /telemetry/traces/{trace_id}: plain records, serialized by the host with snake_case names.
// Nanosecond times travel as decimal strings (as in OTLP/JSON: a JSON number loses digits past 2^53) beside a
// readable UTC time.

/// <summary>
/// A trace: its spans flattened in tree order (depth first, siblings by start time; each names its children and
/// depth, so a waterfall view draws it top to bottom), the span ids of the roots, and the log events that carry the
/// trace id, oldest first. Truncated when the trace has more spans or events than one answer holds.
/// </summary>
public sealed record TraceReport(
    string TraceId,
    DateTimeOffset? Start,
    DateTimeOffset? End,
    double? DurationMs,
    IReadOnlyList<string> Services,
    int SpanCount,
    int EventCount,
    bool Truncated,
    IReadOnlyList<string> Roots,
    IReadOnlyList<SpanNode> Spans,
    IReadOnlyList<TraceLogEvent> Events);

/// <summary>Where a stored row came from: its first creator, the collectors it passed and the event it was.</summary>
public sealed record RowProvenance(string Origin, IReadOnlyList<string> Path, string TrustLevel, string Node, string SourceId, long Sequence);

/// <summary>
/// One span. A root has no parent, or a parent that is not in the trace (<see cref="ParentMissing"/>: not stored,
/// or not yet); <see cref="Depth"/> and <see cref="Children"/> are set by <see cref="TraceTree"/>.
/// </summary>
public sealed record SpanNode(
    string SpanId,
    string ParentSpanId,
    string Name,
    string Kind,
    string Status,
    string StatusMessage,
    DateTimeOffset Start,
    DateTimeOffset End,
    string StartTimeUnixNano,
    string EndTimeUnixNano,
    long DurationNs,
    string Service,
    string TraceState,
    long Flags,
    IReadOnlyDictionary<string, string> Attributes,
    IReadOnlyList<SpanEventView> Events,
    IReadOnlyList<SpanLinkView> Links,
    SpanDropped Dropped,
    RowProvenance Provenance)
{
    public double DurationMs => DurationNs / 1e6;

    public int Depth { get; init; }

    public bool ParentMissing { get; init; }

    public IReadOnlyList<string> Children { get; init; } = [];

    internal ulong StartNs { get; init; }
}

/// <summary>An event inside a span; its attributes as the JSON object they were stored as.</summary>
public sealed record SpanEventView(DateTimeOffset Time, string TimeUnixNano, string Name, JsonElement Attributes);

public sealed record SpanLinkView(string TraceId, string SpanId, string TraceState, JsonElement Attributes);

public sealed record SpanDropped(long Attributes, long Events, long Links);

/// <summary>A raw event (a log line, or one of our own events) that carries the trace id.</summary>
public sealed record TraceLogEvent(
    DateTimeOffset Time,
    string TimeUnixNano,
    string SpanId,
    string EventType,
    string Component,
    string Severity,
    string Message,
    string Status,
    double? Value,
    string Service,
    string CorrelationId,
    IReadOnlyDictionary<string, string> Attributes,
    RowProvenance Provenance);
