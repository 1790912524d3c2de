namespace Collector.Storage.Queries;

/// <summary>
/// One step of a histogram series or group: observation count and sum, and the buckets (explicit ones as stored, per
/// set of bounds; exponential ones merged at the coarsest scale), from which the quantiles are interpolated.
/// </summary>
internal sealed class HistogramStep : IStepAggregate
{
    public static readonly double[] Quantiles = [0.5, 0.95, 0.99];

    public double Count { get; init; }

    public double Sum { get; init; }

    public List<(IReadOnlyList<double> Bounds, IReadOnlyList<double> Counts)> Explicit { get; } = [];

    public ExponentialBuckets? Exponential { get; set; }

    public double? Min { get; init; }

    public double? Max { get; init; }

    public long? Resets { get; init; }

    public IStepAggregate Merge(IStepAggregate other)
    {
        var o = (HistogramStep)other;
        var merged = new HistogramStep
        {
            Count = Count + o.Count,
            Sum = Sum + o.Sum,
            Min = Min is { } a && o.Min is { } b ? Math.Min(a, b) : Min ?? o.Min,
            Max = Max is { } c && o.Max is { } d ? Math.Max(c, d) : Max ?? o.Max,
            Resets = Resets + o.Resets,
        };
        merged.Explicit.AddRange(Explicit);
        merged.Explicit.AddRange(o.Explicit);
        merged.Exponential = Exponential?.Copy();
        if (o.Exponential is { } exponential)
        {
            if (merged.Exponential is null)
            {
                merged.Exponential = exponential.Copy();
            }
            else
            {
                merged.Exponential.Add(exponential);
            }
        }

        return merged;
    }

    public object Point(DateTimeOffset time, int stepSeconds)
    {
        var distribution = new BucketDistribution();
        foreach (var (bounds, counts) in Explicit)
        {
            distribution.AddExplicit(bounds, counts, Min, Max);
        }

        Exponential?.AddTo(distribution);
        var q = Quantiles.Select(distribution.Quantile).ToArray();
        return new HistogramPoint(time, (long)Count, Sum, Count / stepSeconds, Count > 0 ? Sum / Count : null, q[0], q[1], q[2], Min, Max, Resets);
    }
}
