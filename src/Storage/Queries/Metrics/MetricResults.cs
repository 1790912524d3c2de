namespace Collector.Storage.Queries;

// The answer of GET /telemetry/metrics: plain records, serialized by the host with snake_case names. A series'
// points are of the metric kind's point type; steps without data are left out, as in /telemetry/history.

/// <summary>
/// One metric over [From, To) by StepSeconds. Kind and temporality are OTLP's names (null when nothing matched);
/// a name stored with more than one kind is answered for the kind with the most points, the others named in Warnings.
/// </summary>
public sealed record MetricSeriesReport(
    string Name,
    string? Kind,
    string? Temporality,
    bool? Monotonic,
    string Unit,
    string Description,
    DateTimeOffset From,
    DateTimeOffset To,
    int StepSeconds,
    IReadOnlyList<string> GroupBy,
    IReadOnlyList<string> Warnings,
    IReadOnlyList<MetricSeries> Series);

/// <summary>
/// One series, or one group of series: Service is null and Attributes hold only the grouped keys when grouped;
/// SeriesCount is how many stored series it sums.
/// </summary>
public sealed record MetricSeries(string? Service, IReadOnlyDictionary<string, string> Attributes, int SeriesCount, IReadOnlyList<object> Points);

/// <summary>A gauge step: the mean, extremes and sample count of the step; Last is the last value (a group: the sum of its series' last values).</summary>
public sealed record GaugePoint(DateTimeOffset Time, long Samples, double Avg, double Min, double Max, double Last);

/// <summary>
/// A sum step. Sum is what the step added: the sum of delta points, or the increase of cumulative values (a drop
/// of a monotonic sum, or a new start time, is a restart: the value after it counts from zero). Rate is Sum per
/// second of step. Value is the last cumulative value and Resets the restarts seen (cumulative only).
/// </summary>
public sealed record SumPoint(DateTimeOffset Time, long Samples, double Sum, double Rate, double? Value, long? Resets);

/// <summary>
/// A histogram step (explicit or exponential buckets): Count and Sum of the observations in the step (for cumulative
/// temporality, the difference between the last snapshots of this and the previous step); Rate is Count per second;
/// quantiles by linear interpolation within buckets; Min and Max where the points carried them (delta only).
/// </summary>
public sealed record HistogramPoint(
    DateTimeOffset Time,
    long Count,
    double Sum,
    double Rate,
    double? Avg,
    double? P50,
    double? P95,
    double? P99,
    double? Min,
    double? Max,
    long? Resets);

/// <summary>A summary step: the last point's count, sum and reported quantiles (a group: count and sum summed; quantiles only for one series).</summary>
public sealed record SummaryPoint(DateTimeOffset Time, long Count, double Sum, IReadOnlyList<QuantileValue>? Quantiles);

public sealed record QuantileValue(double Quantile, double Value);
