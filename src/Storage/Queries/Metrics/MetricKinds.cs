namespace Collector.Storage.Queries;

/// <summary>The kind column's numbers (MetricPointsTable) and OTLP's temporality numbers, to readers and names.</summary>
internal static class MetricKinds
{
    public const byte Cumulative = 2;

    public static IMetricKind Reader(byte kind, byte temporality, bool monotonic) => kind switch
    {
        ClickHouse.MetricPointsTable.Gauge => new GaugeKind(),
        ClickHouse.MetricPointsTable.Sum => new SumKind(temporality == Cumulative, monotonic),
        ClickHouse.MetricPointsTable.Histogram => new HistogramKind(temporality == Cumulative),
        ClickHouse.MetricPointsTable.ExponentialHistogram => new ExponentialHistogramKind(temporality == Cumulative),
        _ => new SummaryKind(),
    };

    public static string Name(byte kind) => kind switch
    {
        ClickHouse.MetricPointsTable.Gauge => "gauge",
        ClickHouse.MetricPointsTable.Sum => "sum",
        ClickHouse.MetricPointsTable.Histogram => "histogram",
        ClickHouse.MetricPointsTable.ExponentialHistogram => "exponential_histogram",
        ClickHouse.MetricPointsTable.Summary => "summary",
        _ => $"kind {kind}",
    };

    public static string? TemporalityName(byte temporality) => temporality switch
    {
        1 => "delta",
        Cumulative => "cumulative",
        _ => null,
    };
}
