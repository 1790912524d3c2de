namespace Collector.Storage.Queries;

// What GET /telemetry/events asks for, checked and typed by QueryParameters.Events. Every text is matched exactly
// except Message (a substring, case-insensitive); null means "any". Times are whole seconds: From inclusive, To
// exclusive. After is the cursor of the previous page: only events after it in the answer's order (older, or as old
// and lower in the log place) are read.

/// <summary>The filters of a raw-events read; each one given narrows the answer, all of them together.</summary>
public sealed record EventFilter(
    string? EventType = null,
    string? Component = null,
    string? Service = null,
    string? SourceId = null,
    byte? Severity = null,
    string? Origin = null,
    string? TrustLevel = null,
    string? Node = null,
    string? CorrelationId = null,
    string? TraceId = null,
    string? SpanId = null,
    string? Message = null);

/// <summary>One page of raw events, newest first: at most <see cref="Limit"/> of them.</summary>
public sealed record EventsRequest(EventFilter Filter, DateTimeOffset? From, DateTimeOffset? To, EventCursor? After, int Limit, bool Export)
{
    /// <summary>A JSON page when no limit is given.</summary>
    public const int DefaultLimit = 100;

    /// <summary>The most events one JSON page holds: it is built whole before it is sent.</summary>
    public const int MaxLimit = 1000;

    /// <summary>An NDJSON export when no limit is given.</summary>
    public const int DefaultExportLimit = 10_000;

    /// <summary>The most events one NDJSON export holds: it streams, so only ClickHouse's sort of one slice holds them.</summary>
    public const int MaxExportLimit = 100_000;
}
