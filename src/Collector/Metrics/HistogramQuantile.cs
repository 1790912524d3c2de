namespace Collector.Host.Metrics;

/// <summary>
/// A quantile estimated from bucket counts the way Prometheus's histogram_quantile does it, so a figure the status page
/// shows is the one a dashboard over /metrics would draw: find the bucket that holds the rank, interpolate linearly
/// inside it (the first bucket from 0), and answer the highest finite bound when the rank is in the +Inf bucket.
/// </summary>
public static class HistogramQuantile
{
    /// <summary>
    /// <paramref name="counts"/> holds one count per bucket (not cumulative), the last one for values above every
    /// bound, so it is one longer than <paramref name="bounds"/>. Null when there is nothing counted.
    /// </summary>
    public static double? Estimate(IReadOnlyList<double> bounds, ReadOnlySpan<long> counts, double quantile)
    {
        ArgumentNullException.ThrowIfNull(bounds);
        if (counts.Length != bounds.Count + 1)
        {
            throw new ArgumentException("one count per bound and one for values above them all", nameof(counts));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return null;
        }

        var rank = quantile * total;
        long below = 0;
        for (var i = 0; i < bounds.Count; i++)
        {
            var inBucket = counts[i];
            if (inBucket > 0 && below + inBucket >= rank)
            {
                var lower = i == 0 ? 0 : bounds[i - 1];
                return lower + ((bounds[i] - lower) * (rank - below) / inBucket);
            }

            below += inBucket;
        }

        return bounds[^1];
    }
}
