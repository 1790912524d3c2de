using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// Exponential histograms. Bucket offsets differ from point to point, so counts are keyed by absolute index
/// (offset + position) and summed with sumMap, per scale; scales meet at the coarsest (<see cref="ExponentialBuckets"/>).
/// Cumulative: each step's last snapshot minus the previous step's, restarts as for explicit histograms.
/// </summary>
internal sealed class ExponentialHistogramKind(bool cumulative) : IMetricKind
{
    // 18.16's lambdas cannot capture a table column, so the offset comes in as an array of its own.
    private const string PositiveIndexes = "arrayMap((i, o) -> toInt64(o) + i - 1, arrayEnumerate(positive_counts), arrayResize([positive_offset], length(positive_counts), positive_offset))";
    private const string NegativeIndexes = "arrayMap((i, o) -> toInt64(o) + i - 1, arrayEnumerate(negative_counts), arrayResize([negative_offset], length(negative_counts), negative_offset))";

    public string With => string.Empty;

    public string Columns => cumulative
        ? $"argMax(scale, ts_ns) AS sc, argMax({PositiveIndexes}, ts_ns) AS pos_index, argMax(positive_counts, ts_ns) AS pos_count, argMax({NegativeIndexes}, ts_ns) AS neg_index, argMax(negative_counts, ts_ns) AS neg_count, argMax(zero_count, ts_ns) AS zero, argMax(zero_threshold, ts_ns) AS zt, argMax(count, ts_ns) AS n, argMax(sum, ts_ns) AS total, argMax(start_ns, ts_ns) AS start"
        : $"scale AS sc, sumMap({PositiveIndexes}, positive_counts) AS pos, sumMap({NegativeIndexes}, negative_counts) AS neg, sum(zero_count) AS zero, max(zero_threshold) AS zt, sum(count) AS n, sum(sum) AS total, minIf(min, has_min) AS lo, countIf(has_min) AS has_lo, maxIf(max, has_max) AS hi, countIf(has_max) AS has_hi";

    public string ExtraGroupBy => cumulative ? string.Empty : ", scale";

    public bool Lookback => cumulative;

    public IEnumerable<(long Step, IStepAggregate Value)> Read(IReadOnlyList<JsonElement> rows, long firstStep, ulong rangeStartNs)
    {
        if (!cumulative)
        {
            foreach (var row in rows)
            {
                var pos = row.GetProperty("pos");
                var neg = row.GetProperty("neg");
                yield return (RowValues.Long(row, "t"), new HistogramStep
                {
                    Count = MetricValues.Number(row, "n"),
                    Sum = MetricValues.Number(row, "total"),
                    Min = MetricValues.Optional(row, "lo", "has_lo"),
                    Max = MetricValues.Optional(row, "hi", "has_hi"),
                    Exponential = Buckets(row, pos[0], pos[1], neg[0], neg[1]),
                });
            }

            yield break;
        }

        (ExponentialBuckets Buckets, double Count, double Sum, ulong Start)? previous = null;
        foreach (var row in rows)
        {
            var current = (Buckets: Buckets(row, row.GetProperty("pos_index"), row.GetProperty("pos_count"), row.GetProperty("neg_index"), row.GetProperty("neg_count")),
                Count: MetricValues.Number(row, "n"), Sum: MetricValues.Number(row, "total"), Start: MetricValues.Unsigned(row, "start"));
            var t = RowValues.Long(row, "t");
            var before = previous;
            previous = current;
            if (t < firstStep || (before is null && current.Start < rangeStartNs))
            {
                continue;
            }

            ExponentialBuckets? delta = null;
            if (before is { } b && b.Start == current.Start && current.Count >= b.Count)
            {
                delta = current.Buckets.Copy();
                delta.Add(b.Buckets, -1);
                delta = delta.AnyNegativeCount ? null : delta;
            }

            var restart = delta is null;
            yield return (t, new HistogramStep
            {
                Count = restart ? current.Count : current.Count - before!.Value.Count,
                Sum = restart ? current.Sum : current.Sum - before!.Value.Sum,
                Exponential = delta ?? current.Buckets,
                Resets = before is not null && restart ? 1 : 0,
            });
        }
    }

    private static ExponentialBuckets Buckets(JsonElement row, JsonElement positiveIndexes, JsonElement positiveCounts, JsonElement negativeIndexes, JsonElement negativeCounts)
    {
        var buckets = new ExponentialBuckets((int)RowValues.Long(row, "sc"))
        {
            Zero = MetricValues.Number(row, "zero"),
            ZeroThreshold = MetricValues.Number(row, "zt"),
        };
        Fill(buckets.Positive, positiveIndexes, positiveCounts);
        Fill(buckets.Negative, negativeIndexes, negativeCounts);
        return buckets;
    }

    private static void Fill(Dictionary<long, double> side, JsonElement indexes, JsonElement counts)
    {
        foreach (var (index, count) in indexes.EnumerateArray().Zip(counts.EnumerateArray()))
        {
            var i = (long)MetricValues.Number(index);
            side[i] = side.GetValueOrDefault(i) + MetricValues.Number(count);
        }
    }
}
