using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>Gauges: per step the mean, min, max and last value (points flagged "no recorded value" are left out upstream).</summary>
internal sealed class GaugeKind : IMetricKind
{
    public string With => string.Empty;

    public string Columns => $"count() AS n, avg({MetricValues.Value}) AS mean, min({MetricValues.Value}) AS lo, max({MetricValues.Value}) AS hi, argMax({MetricValues.Value}, ts_ns) AS last";

    public string ExtraGroupBy => string.Empty;

    public bool Lookback => false;

    public IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs) =>
        rows.Select(row =>
        {
            var n = RowValues.Long(row, "n");
            return (RowValues.Long(row, "t"), (IStepAggregate)new GaugeStep(n, MetricValues.Number(row, "mean") * n, MetricValues.Number(row, "lo"), MetricValues.Number(row, "hi"), MetricValues.Number(row, "last")));
        });

    private sealed record GaugeStep(long Samples, double Total, double Min, double Max, double Last) : IStepAggregate
    {
        public IStepAggregate Merge(IStepAggregate other)
        {
            var o = (GaugeStep)other;
            return new GaugeStep(Samples + o.Samples, Total + o.Total, Math.Min(Min, o.Min), Math.Max(Max, o.Max), Last + o.Last);
        }

        public object Point(DateTimeOffset time, int stepSeconds) => new GaugePoint(time, Samples, Total / Samples, Min, Max, Last);
    }
}
