using System.Globalization;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Decides which partitions are past retention. A partition goes only when all of it is older than the window:
/// a day partition when the day ended before the cut-off, a month partition when the month ended before it.
/// </summary>
public static class RetentionPolicy
{
    /// <summary>True if the events partition "yyyyMMdd" lies wholly before now minus <paramref name="days"/>.</summary>
    public static bool DayPartitionExpired(string partition, DateTimeOffset now, int days) =>
        DateTime.TryParseExact(partition, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var day)
        && day.AddDays(1) <= now.UtcDateTime.AddDays(-days);

    /// <summary>True if the rollup partition "yyyyMM" lies wholly before now minus <paramref name="days"/>.</summary>
    public static bool MonthPartitionExpired(string partition, DateTimeOffset now, int days) =>
        DateTime.TryParseExact(partition, "yyyyMM", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var month)
        && month.AddMonths(1) <= now.UtcDateTime.AddDays(-days);
}
