namespace Collector.Storage;

/// <summary>What the storage side's instruments share: the meter name the exporter looks for, and bucket bounds.</summary>
public static class StorageMetrics
{
    public const string MeterName = "Collector";

    /// <summary>Histogram bounds, in seconds, for work measured in sub-milliseconds to a second (a log commit, an insert).</summary>
    public static IReadOnlyList<double> FastDurationBounds { get; } =
        [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
}
