namespace Collector.Tests.Queries.Signals;

/// <summary>metric_points rows as the encoders will write them: one data point each, the kind's columns filled.</summary>
internal static class MetricRows
{
    public static Dictionary<string, object?> Point(string name, int kind, int temporality, DateTimeOffset time, string service, string host, ulong startNs = 0)
    {
        return new Dictionary<string, object?>
        {
            ["source_id"] = "metric-test",
            ["ts"] = time.ToUnixTimeSeconds(),
            ["ts_ns"] = SignalStore.Nanos(time),
            ["start_ns"] = startNs,
            ["name"] = name,
            ["kind"] = kind,
            ["temporality"] = temporality,
            ["monotonic"] = kind == 2 ? 1 : 0,
            ["service"] = service,
            ["attribute_keys"] = new[] { "host", "zone" },
            ["attribute_values"] = new[] { host, "z1" },
        };
    }

    public static Dictionary<string, object?> Number(this Dictionary<string, object?> row, double value)
    {
        row["value"] = value;
        return row;
    }

    public static Dictionary<string, object?> Histogram(this Dictionary<string, object?> row, double[] bounds, ulong[] counts, double sum, double? min, double? max)
    {
        row["explicit_bounds"] = bounds;
        row["bucket_counts"] = counts;
        return row.Totals((ulong)counts.Sum(c => (long)c), sum, min, max);
    }

    public static Dictionary<string, object?> Exponential(this Dictionary<string, object?> row, int scale, int offset, ulong[] counts, double sum)
    {
        row["scale"] = scale;
        row["positive_offset"] = offset;
        row["positive_counts"] = counts;
        return row.Totals((ulong)counts.Sum(c => (long)c), sum, null, null);
    }

    public static Dictionary<string, object?> Summary(this Dictionary<string, object?> row, ulong count, double sum, double[] quantiles, double[] values)
    {
        row["quantiles"] = quantiles;
        row["quantile_values"] = values;
        return row.Totals(count, sum, null, null);
    }

    private static Dictionary<string, object?> Totals(this Dictionary<string, object?> row, ulong count, double sum, double? min, double? max)
    {
        row["count"] = count;
        row["sum"] = sum;
        row["has_sum"] = 1;
        row["min"] = min ?? 0;
        row["has_min"] = min is null ? 0 : 1;
        row["max"] = max ?? 0;
        row["has_max"] = max is null ? 0 : 1;
        return row;
    }
}
