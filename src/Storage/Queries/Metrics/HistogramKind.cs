using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// Histograms with explicit bounds. Delta: counts summed per bucket (sumForEach) for each set of bounds. Cumulative:
/// each step's last snapshot minus the previous step's; a snapshot that is smaller anywhere, has other bounds or a new
/// start time follows a restart and counts whole.
/// </summary>
internal sealed class HistogramKind(bool cumulative) : IMetricKind
{
    public string With => string.Empty;

    public string Columns => cumulative
        ? "argMax(bucket_counts, ts_ns) AS counts, argMax(explicit_bounds, ts_ns) AS bounds, argMax(count, ts_ns) AS n, argMax(sum, ts_ns) AS total, argMax(start_ns, ts_ns) AS start"
        : "sum(count) AS n, sum(sum) AS total, sumForEach(bucket_counts) AS counts, explicit_bounds AS bounds, minIf(min, has_min) AS lo, countIf(has_min) AS has_lo, maxIf(max, has_max) AS hi, countIf(has_max) AS has_hi";

    public string ExtraGroupBy => cumulative ? string.Empty : ", explicit_bounds";

    public bool Lookback => cumulative;

    public IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs)
    {
        if (!cumulative)
        {
            foreach (var row in rows)
            {
                var step = new HistogramStep
                {
                    Count = MetricValues.Number(row, "n"),
                    Sum = MetricValues.Number(row, "total"),
                    Min = MetricValues.Optional(row, "lo", "has_lo"),
                    Max = MetricValues.Optional(row, "hi", "has_hi"),
                };
                step.Explicit.Add((MetricValues.Numbers(row, "bounds"), MetricValues.Numbers(row, "counts")));
                yield return (RowValues.Long(row, "t"), step);
            }

            yield break;
        }

        Snapshot? previous = null;
        foreach (var row in rows)
        {
            var current = new Snapshot(MetricValues.Numbers(row, "bounds"), MetricValues.Numbers(row, "counts"), MetricValues.Number(row, "n"), MetricValues.Number(row, "total"), MetricValues.Unsigned(row, "start"));
            var t = RowValues.Long(row, "t");
            var before = previous;
            previous = current;
            if (t < firstStep || (before is null && current.Start < rangeStartNs))
            {
                continue;
            }

            var restart = before is null || before.Restarted(current);
            var step = new HistogramStep
            {
                Count = restart ? current.Count : current.Count - before!.Count,
                Sum = restart ? current.Sum : current.Sum - before!.Sum,
                Resets = before is not null && restart ? 1 : 0,
            };
            step.Explicit.Add((current.Bounds, restart ? current.Counts : current.Counts.Select((c, i) => c - before!.Counts[i]).ToList()));
            yield return (t, step);
        }
    }

    private sealed record Snapshot(List<double> Bounds, List<double> Counts, double Count, double Sum, ulong Start)
    {
        public bool Restarted(Snapshot next) =>
            next.Start != Start
            || next.Count < Count
            || !next.Bounds.SequenceEqual(Bounds)
            || next.Counts.Count != Counts.Count
            || next.Counts.Where((c, i) => c < Counts[i]).Any();
    }
}
