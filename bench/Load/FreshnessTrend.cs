namespace Collector.Bench.Load;

/// <summary>The freshness of the batches acknowledged in one second of the run (second n: Acks from n to n + 1 s after the start).</summary>
internal sealed record FreshnessSecond(int Second, int Batches, int Unseen, double? P50Ms, double? P99Ms, double? MaxMs);

/// <summary>
/// Whether ClickHouse kept up: the freshness p99 of the batches acknowledged in the first window after the warm-up
/// against that of the last window of sending (Acks after the end of sending count in the last window).
/// </summary>
internal sealed record FreshnessBacklog(
    double WindowS,
    double FirstFromS,
    int FirstBatches,
    double? FirstP99Ms,
    double LastFromS,
    int LastBatches,
    int LastUnseen,
    double? LastP99Ms,
    double MarginMs,
    bool Growing);

/// <summary>
/// Freshness over the run's time rather than over the whole run. A backlog that grows shows as batches acknowledged
/// later in the run waiting longer to become visible, so "growing" compares the end of the run with its start:
/// the last window's p99 more than <see cref="GrowthMarginMs"/> above the first window's, or a batch of the last
/// window never seen before the probe gave up. Windows are <see cref="WindowSeconds"/> long, or half the time after
/// the warm-up when that is shorter, so they never overlap. The margin is about the spread of one window's p99 on a
/// steady run (the batcher's 1 s delay plus an insert), well under what a backlog adds over a minute.
/// </summary>
internal static class FreshnessTrend
{
    public const double WindowSeconds = 10;
    public const double GrowthMarginMs = 1000;

    /// <summary>Per second of the run, by when each batch's Ack came.</summary>
    public static IReadOnlyList<FreshnessSecond> Series(IReadOnlyList<(double AckedS, double? FreshnessMs)> batches) =>
        [.. batches
            .GroupBy(b => (int)Math.Floor(Math.Max(0, b.AckedS)))
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var seen = Sorted(g);
                return new FreshnessSecond(g.Key, g.Count(), g.Count() - seen.Length, Round(Percentile(seen, 0.50)), Round(Percentile(seen, 0.99)), Round(Percentile(seen, 1)));
            })];

    /// <summary>Null when the run is too short for two windows after the warm-up, or a window holds no batch.</summary>
    public static FreshnessBacklog? Backlog(IReadOnlyList<(double AckedS, double? FreshnessMs)> batches, double warmUpS, double sendS)
    {
        var window = Math.Min(WindowSeconds, (sendS - warmUpS) / 2);
        if (window <= 0)
        {
            return null;
        }

        var lastFrom = sendS - window;
        var first = batches.Where(b => b.AckedS >= warmUpS && b.AckedS < warmUpS + window).ToList();
        var last = batches.Where(b => b.AckedS >= lastFrom).ToList();
        if (first.Count == 0 || last.Count == 0)
        {
            return null;
        }

        var firstP99 = Percentile(Sorted(first), 0.99);
        var lastSeen = Sorted(last);
        var lastP99 = Percentile(lastSeen, 0.99);
        var lastUnseen = last.Count - lastSeen.Length;
        var growing = lastUnseen > 0 || firstP99 is null || lastP99 is null || lastP99 > firstP99 + GrowthMarginMs;
        return new FreshnessBacklog(
            Math.Round(window, 3), Math.Round(warmUpS, 3), first.Count, Round(firstP99), Math.Round(lastFrom, 3), last.Count, lastUnseen, Round(lastP99), GrowthMarginMs, growing);
    }

    /// <summary>The value at quantile <paramref name="q"/> of ascending values (nearest rank); null when there are none.</summary>
    public static double? Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static double[] Sorted(IEnumerable<(double AckedS, double? FreshnessMs)> batches) =>
        [.. batches.Where(b => b.FreshnessMs is not null).Select(b => b.FreshnessMs!.Value).Order()];

    private static double? Round(double? ms) => ms is { } value ? Math.Round(value, 1) : null;
}
