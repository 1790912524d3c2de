namespace Collector.Bench.DiskSync;

/// <summary>One kind of synced write's latency figures, in ms, as the JSON output holds them (nearest-rank percentiles).</summary>
internal sealed record SyncLatency(int Bytes, string Write, int Iterations, double P50Ms, double P90Ms, double P99Ms, double P999Ms, double MaxMs, double MeanMs)
{
    public static SyncLatency Of(int bytes, string write, double[] milliseconds)
    {
        var sorted = milliseconds.Order().ToArray();
        double At(double q) => Math.Round(sorted[Math.Max(0, (int)Math.Ceiling(q * sorted.Length) - 1)], 3);
        return new SyncLatency(bytes, write, sorted.Length, At(0.50), At(0.90), At(0.99), At(0.999), Math.Round(sorted[^1], 3), Math.Round(sorted.Average(), 3));
    }
}
