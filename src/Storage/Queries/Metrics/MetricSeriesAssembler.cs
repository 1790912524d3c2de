using System.Text.Json;

namespace Collector.Storage.Queries;

/// <summary>
/// From the (series, step) rows, in series then step order, to the answer's series: each stored series read by its
/// kind (<see cref="IMetricKind"/>), then merged step by step into its group (the series itself, its service and
/// chosen attribute values, or everything). Groups are ordered by service, then attributes.
/// </summary>
internal static class MetricSeriesAssembler
{
    public static List<MetricSeries> Assemble(IReadOnlyList<JsonElement> rows, IMetricKind kind, MetricGrouping grouping, long firstStep, ulong rangeStartNs, int stepSeconds)
    {
        var groups = new Dictionary<string, Group>(StringComparer.Ordinal);
        var start = 0;
        while (start < rows.Count)
        {
            var key = SeriesKey(rows[start]);
            var end = start + 1;
            while (end < rows.Count && string.Equals(SeriesKey(rows[end]), key, StringComparison.Ordinal))
            {
                end++;
            }

            var seriesRows = rows.Skip(start).Take(end - start).ToList();
            var (service, attributes) = GroupOf(seriesRows[0], grouping);
            var groupKey = JsonSerializer.Serialize(new object?[] { service, attributes });
            if (!groups.TryGetValue(groupKey, out var group))
            {
                groups[groupKey] = group = new Group(service, attributes);
            }

            group.SeriesCount++;
            foreach (var (step, value) in kind.Read(seriesRows, firstStep, rangeStartNs))
            {
                group.Steps[step] = group.Steps.TryGetValue(step, out var had) ? had.Merge(value) : value;
            }

            start = end;
        }

        return groups
            .OrderBy(g => g.Value.Service, StringComparer.Ordinal)
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new MetricSeries(
                g.Value.Service,
                g.Value.Attributes,
                g.Value.SeriesCount,
                g.Value.Steps.Select(s => s.Value.Point(DateTimeOffset.FromUnixTimeSeconds(s.Key), stepSeconds)).ToList()))
            .ToList();
    }

    private static string SeriesKey(JsonElement row) =>
        string.Concat(row.GetProperty("service").GetRawText(), row.GetProperty("attribute_keys").GetRawText(), row.GetProperty("attribute_values").GetRawText());

    private static (string? Service, SortedDictionary<string, string> Attributes) GroupOf(JsonElement row, MetricGrouping grouping)
    {
        var all = TraceRows.Attributes(row);
        var attributes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in all)
        {
            if (grouping.PerSeries || grouping.Keys.Contains(key, StringComparer.Ordinal))
            {
                attributes[key] = value;
            }
        }

        return (grouping.ByService ? RowValues.Text(row, "service") : null, attributes);
    }

    private sealed class Group(string? service, SortedDictionary<string, string> attributes)
    {
        public string? Service { get; } = service;

        public SortedDictionary<string, string> Attributes { get; } = attributes;

        public int SeriesCount { get; set; }

        public SortedDictionary<long, IStepAggregate> Steps { get; } = [];
    }
}
