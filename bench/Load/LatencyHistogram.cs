using System.Numerics;

namespace Collector.Bench.Load;

/// <summary>
/// Latencies in microseconds in log-linear buckets (HDR-style): exact below 128 µs, then 64 linear buckets per
/// power of two, so any value is known within 1/64 (1.6 %). Recording is one interlocked increment into a
/// preallocated array: no allocation per value, safe from many threads. Percentiles are read from snapshots of the
/// counts, so the progress display can diff two snapshots to get the last second alone.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 128;
    private const int BucketsPerPowerOfTwo = LinearBuckets / 2;

    // Values up to 2^46 µs (about 2 years) have a bucket; larger ones are clamped into the last.
    private const int Powers = 40;

    public const int BucketCount = LinearBuckets + (Powers * BucketsPerPowerOfTwo);

    private readonly long[] _counts = new long[BucketCount];
    private long _count;
    private long _max;

    public long Count => Interlocked.Read(ref _count);

    /// <summary>The largest value recorded, exactly.</summary>
    public long MaxMicroseconds => Interlocked.Read(ref _max);

    public void Record(long microseconds)
    {
        var value = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _count);
        var max = Interlocked.Read(ref _max);
        while (value > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>Copies the bucket counts into <paramref name="destination"/> (length <see cref="BucketCount"/>).</summary>
    public void CopyCounts(long[] destination)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            destination[i] = Interlocked.Read(ref _counts[i]);
        }
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1] of the counts, as the highest value of its bucket; 0 when empty.</summary>
    public static long Percentile(ReadOnlySpan<long> counts, double q)
    {
        long total = 0;
        foreach (var count in counts)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        for (var i = 0; i < counts.Length; i++)
        {
            seen += counts[i];
            if (seen >= rank)
            {
                return HighestInBucket(i);
            }
        }

        return HighestInBucket(counts.Length - 1);
    }

    public static int IndexOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }

        // Shift so the value falls in [64, 128): its top 7 bits pick the bucket, the shift picks the power of two.
        var shift = BitOperations.Log2((ulong)value) - 6;
        var index = LinearBuckets + ((shift - 1) * BucketsPerPowerOfTwo) + (int)((value >> shift) - BucketsPerPowerOfTwo);
        return Math.Min(index, BucketCount - 1);
    }

    public static long HighestInBucket(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var shift = ((index - LinearBuckets) / BucketsPerPowerOfTwo) + 1;
        var top = ((index - LinearBuckets) % BucketsPerPowerOfTwo) + BucketsPerPowerOfTwo;
        return ((long)(top + 1) << shift) - 1;
    }
}
