using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// Sums. Delta: the points' sum per step. Cumulative: the increase, computed in ClickHouse within a step (the step's
/// points in time order, each minus the one before, restarts counted from zero) and here across steps (the step's
/// first point minus the last point before it). A restart is a new start time, or for a monotonic sum any drop; a
/// non-monotonic cumulative sum (an up-down counter) may go down, and its "increase" is then negative.
/// </summary>
internal sealed class SumKind(bool cumulative, bool monotonic) : IMetricKind
{
    private const string Points = "arraySort(x -> x.1, groupArray((ts_ns, " + MetricValues.Value + ", start_ns))) AS p";

    public string With => cumulative ? Points : string.Empty;

    public string Columns => cumulative
        ? $"count() AS n, p[1].2 AS first_value, p[1].3 AS first_start, p[-1].2 AS last_value, p[-1].3 AS last_start, arraySum(arrayMap(i -> if({Restart}, p[i].2, p[i].2 - p[i - 1].2), arraySlice(arrayEnumerate(p), 2))) AS increase, arraySum(arrayMap(i -> {Restart}, arraySlice(arrayEnumerate(p), 2))) AS resets"
        : $"count() AS n, sum({MetricValues.Value}) AS total";

    public string ExtraGroupBy => string.Empty;

    public bool Lookback => cumulative;

    private string Restart => monotonic ? "p[i].2 < p[i - 1].2 OR p[i].3 != p[i - 1].3" : "p[i].3 != p[i - 1].3";

    public IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs)
    {
        if (!cumulative)
        {
            foreach (var row in rows)
            {
                yield return (RowValues.Long(row, "t"), new SumStep(RowValues.Long(row, "n"), MetricValues.Number(row, "total"), null, null));
            }

            yield break;
        }

        (double Value, ulong Start)? previous = null;
        foreach (var row in rows)
        {
            var first = MetricValues.Number(row, "first_value");
            var firstStart = MetricValues.Unsigned(row, "first_start");
            bool restart;
            double boundary;
            if (previous is { } p)
            {
                restart = firstStart != p.Start || (monotonic && first < p.Value);
                boundary = restart ? first : first - p.Value;
            }
            else
            {
                // Nothing before: a series that started after the read began counts from zero, else its first point is the baseline.
                restart = false;
                boundary = firstStart >= rangeStartNs ? first : 0;
            }

            var last = MetricValues.Number(row, "last_value");
            previous = (last, MetricValues.Unsigned(row, "last_start"));
            var step = RowValues.Long(row, "t");
            if (step >= firstStep)
            {
                var increase = boundary + MetricValues.Number(row, "increase");
                yield return (step, new SumStep(RowValues.Long(row, "n"), increase, last, RowValues.Long(row, "resets") + (restart ? 1 : 0)));
            }
        }
    }

    private sealed record SumStep(long Samples, double Sum, double? Value, long? Resets) : IStepAggregate
    {
        public IStepAggregate Merge(IStepAggregate other)
        {
            var o = (SumStep)other;
            return new SumStep(Samples + o.Samples, Sum + o.Sum, Value + o.Value, Resets + o.Resets);
        }

        public object Point(DateTimeOffset time, int stepSeconds) => new SumPoint(time, Samples, Sum, Sum / stepSeconds, Value, Resets);
    }
}
