namespace Collector.Storage.Queries;

// The answers of TelemetryQueries: plain records, serialized by the host with snake_case names.
// Ratios are null where their denominator is zero; times are UTC.

/// <summary>One component's token-weighted efficiency: sum(value * tokens) / sum(tokens), in ms per token.</summary>
public sealed record ComponentEfficiency(string Component, long Events, long Tokens, double? EfficiencyMsPerToken);

/// <summary>The efficiency ranking over [From, To]; <see cref="Rollup"/> names the table it was answered from.</summary>
public sealed record EfficiencyReport(
    string EventType,
    int Hours,
    string Rollup,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<ComponentEfficiency> Components);

/// <summary>One component on one day (the server's calendar day).</summary>
public sealed record DayStats(
    string Component,
    string Day,
    long Events,
    long ThoughtEvents,
    long Tokens,
    double? EfficiencyMsPerToken,
    double? P50MsPerToken,
    double? P95MsPerToken,
    long LoadEvents,
    double? MeanLoadLatencySeconds);

/// <summary>One component over the whole 60-day window.</summary>
public sealed record ComponentTrend(
    string Component,
    int ActiveDays,
    long Events,
    long Tokens,
    double? EfficiencyMsPerToken,
    long LoadEvents,
    double? MeanLoadLatencySeconds);

/// <summary>The last 7 days (today and the 6 before) against the 7 before them.</summary>
public sealed record Degradation(
    string Component,
    double? LastWeekMsPerToken,
    double? PreviousWeekMsPerToken,
    double? ChangePct,
    bool Degraded);

public sealed record SixtyDayReport(
    string FromDay,
    string ToDay,
    double DegradationThresholdPct,
    IReadOnlyList<DayStats> Days,
    IReadOnlyList<ComponentTrend> Trends,
    IReadOnlyList<Degradation> Degradation);

/// <summary>
/// One table of the database. Oldest and newest come from the parts' min/max index of the partition key column
/// (ts for events, bucket for rollups), so they are exact without reading the data; null for tables without one.
/// </summary>
public sealed record TableFootprint(
    string Table,
    string Engine,
    long BytesOnDisk,
    long Rows,
    long ActiveParts,
    DateTimeOffset? Oldest,
    DateTimeOffset? Newest,
    bool? OverBytesThreshold,
    bool? OverRowsThreshold);

public sealed record FootprintReport(
    string Database,
    long MaxRawBytes,
    long MaxRawRows,
    long TotalBytesOnDisk,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<TableFootprint> Tables);

/// <summary>One bucket of a time series; buckets without events are left out.</summary>
public sealed record HistoryPoint(DateTimeOffset Bucket, long Count, double? Sum, double? Avg, double? Min, double? Max);

public sealed record HistoryReport(
    string? EventType,
    string? Component,
    string Step,
    string Rollup,
    DateTimeOffset From,
    DateTimeOffset To,
    IReadOnlyList<HistoryPoint> Points);
