namespace Collector.Storage.ClickHouse;

/// <summary>How the batcher cuts the log into inserts and how it waits out a failing ClickHouse.</summary>
public sealed class ClickHouseBatcherOptions
{
    public int MaxRows { get; init; } = 100_000;

    public int MaxBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>The longest an event waits in a partial batch before it is inserted anyway.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MinBackoff { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The node id written into every row (the collector that received the event).</summary>
    public string Node { get; init; } = Environment.MachineName;
}
