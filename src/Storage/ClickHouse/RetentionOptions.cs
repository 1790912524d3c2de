namespace Collector.Storage.ClickHouse;

/// <summary>How long ClickHouse keeps data. Whole partitions are dropped: days for events, months for rollups.</summary>
public sealed class RetentionOptions
{
    public int RawDays { get; init; } = 60;

    public int RollupDays { get; init; } = 400;

    public TimeSpan Interval { get; init; } = TimeSpan.FromHours(1);
}
