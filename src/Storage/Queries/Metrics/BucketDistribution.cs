namespace Collector.Storage.Queries;

/// <summary>
/// Observations counted in value ranges, from explicit or exponential histogram buckets, and their quantiles by
/// linear interpolation within the bucket that holds the rank (as Prometheus' histogram_quantile does). The open
/// ends of explicit buckets are closed by the observed min and max where known, else the lowest bucket starts at 0
/// (or at its bound when that is not positive) and the highest answers its lower bound.
/// </summary>
internal sealed class BucketDistribution
{
    private readonly List<(double Lower, double Upper, double Count)> _buckets = [];

    public double Total { get; private set; }

    public void Add(double lower, double upper, double count)
    {
        if (count > 0)
        {
            _buckets.Add((lower, Math.Max(lower, upper), count));
            Total += count;
        }
    }

    /// <summary>Explicit buckets: counts[i] lies in (bounds[i-1], bounds[i]]; counts has one more element than bounds.</summary>
    public void AddExplicit(IReadOnlyList<double> bounds, IReadOnlyList<double> counts, double? min, double? max)
    {
        for (var i = 0; i < counts.Count; i++)
        {
            double lower, upper;
            if (bounds.Count == 0)
            {
                lower = min ?? 0;
                upper = max ?? lower;
            }
            else
            {
                lower = i > 0 ? bounds[i - 1] : min is { } lo && lo <= bounds[0] ? lo : Math.Min(0, bounds[0]);
                upper = i < bounds.Count ? bounds[i] : max is { } hi && hi >= bounds[^1] ? hi : bounds[^1];
            }

            Add(lower, upper, counts[i]);
        }
    }

    public double? Quantile(double q)
    {
        if (Total <= 0)
        {
            return null;
        }

        var ordered = _buckets.OrderBy(b => b.Lower).ThenBy(b => b.Upper).ToList();
        var rank = q * Total;
        var below = 0.0;
        foreach (var (lower, upper, count) in ordered)
        {
            if (below + count >= rank)
            {
                return lower + ((upper - lower) * Math.Clamp((rank - below) / count, 0, 1));
            }

            below += count;
        }

        return ordered[^1].Upper;
    }
}
