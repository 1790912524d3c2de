namespace Collector.Storage.Queries;

/// <summary>Defaults and limits of the query API; the footprint thresholds can be overridden per request.</summary>
public sealed class TelemetryQueryOptions
{
    /// <summary>The raw table is flagged above this many bytes on disk (100 MiB).</summary>
    public long MaxRawBytes { get; init; } = 104_857_600;

    /// <summary>The raw table is flagged above this many rows.</summary>
    public long MaxRawRows { get; init; } = 1_000_000;

    /// <summary>A component is degraded when its last 7 days are this many percent slower (ms/token) than the 7 before.</summary>
    public double DegradationThresholdPct { get; init; } = 20;

    /// <summary>The most buckets one /telemetry/history answer may span.</summary>
    public int MaxHistoryPoints { get; init; } = 10_000;
}
