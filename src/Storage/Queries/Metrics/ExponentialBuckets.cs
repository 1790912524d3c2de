namespace Collector.Storage.Queries;

/// <summary>
/// The buckets of an exponential histogram by absolute index at one scale: index i holds (base^i, base^(i+1)] with
/// base = 2^(2^-scale), negative index i the mirror range, and the zero bucket [-threshold, threshold]. Buckets of
/// different scales meet at the coarser one (an index shifts right by the scale difference: 2^k fine buckets make
/// one coarse bucket), so they can be added and subtracted.
/// </summary>
internal sealed class ExponentialBuckets
{
    public ExponentialBuckets(int scale) => Scale = scale;

    public int Scale { get; private set; }

    public Dictionary<long, double> Positive { get; } = [];

    public Dictionary<long, double> Negative { get; } = [];

    public double Zero { get; set; }

    public double ZeroThreshold { get; set; }

    public static double LowerBound(long index, int scale) => Math.Pow(2, Math.ScaleB(index, -scale));

    public void Add(ExponentialBuckets other, double sign = 1)
    {
        var scale = Math.Min(Scale, other.Scale);
        DownscaleTo(scale);
        var shift = other.Scale - scale;
        foreach (var (index, count) in other.Positive)
        {
            Positive[index >> shift] = Positive.GetValueOrDefault(index >> shift) + (sign * count);
        }

        foreach (var (index, count) in other.Negative)
        {
            Negative[index >> shift] = Negative.GetValueOrDefault(index >> shift) + (sign * count);
        }

        Zero += sign * other.Zero;
        ZeroThreshold = Math.Max(ZeroThreshold, other.ZeroThreshold);
    }

    public ExponentialBuckets Copy()
    {
        var copy = new ExponentialBuckets(Scale) { ZeroThreshold = ZeroThreshold };
        copy.Add(this);
        return copy;
    }

    public bool AnyNegativeCount => Zero < 0 || Positive.Values.Any(c => c < 0) || Negative.Values.Any(c => c < 0);

    public void AddTo(BucketDistribution distribution)
    {
        distribution.Add(-ZeroThreshold, ZeroThreshold, Zero);
        foreach (var (index, count) in Positive)
        {
            distribution.Add(LowerBound(index, Scale), LowerBound(index + 1, Scale), count);
        }

        foreach (var (index, count) in Negative)
        {
            distribution.Add(-LowerBound(index + 1, Scale), -LowerBound(index, Scale), count);
        }
    }

    private void DownscaleTo(int scale)
    {
        if (scale >= Scale)
        {
            return;
        }

        var shift = Scale - scale;
        foreach (var side in new[] { Positive, Negative })
        {
            var old = side.ToList();
            side.Clear();
            foreach (var (index, count) in old)
            {
                side[index >> shift] = side.GetValueOrDefault(index >> shift) + count;
            }
        }

        Scale = scale;
    }
}
