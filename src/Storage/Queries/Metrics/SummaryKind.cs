using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// Summaries: per step the last point's count, sum and reported quantiles. Quantiles of different series cannot be
/// combined, so a group of more than one series answers count and sum only.
/// </summary>
internal sealed class SummaryKind : IMetricKind
{
    public string With => string.Empty;

    public string Columns => "argMax(quantiles, ts_ns) AS qs, argMax(quantile_values, ts_ns) AS qv, argMax(count, ts_ns) AS n, argMax(sum, ts_ns) AS total";

    public string ExtraGroupBy => string.Empty;

    public bool Lookback => false;

    public IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs) =>
        rows.Select(row => (RowValues.Long(row, "t"), (IStepAggregate)new SummaryStep(
            MetricValues.Number(row, "n"),
            MetricValues.Number(row, "total"),
            MetricValues.Numbers(row, "qs").Zip(MetricValues.Numbers(row, "qv"), (q, v) => new QuantileValue(q, v)).ToList())));

    private sealed record SummaryStep(double Count, double Sum, IReadOnlyList<QuantileValue>? Quantiles) : IStepAggregate
    {
        public IStepAggregate Merge(IStepAggregate other)
        {
            var o = (SummaryStep)other;
            return new SummaryStep(Count + o.Count, Sum + o.Sum, null);
        }

        public object Point(DateTimeOffset time, int stepSeconds) => new SummaryPoint(time, (long)Count, Sum, Quantiles);
    }
}
