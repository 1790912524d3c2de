using System.Globalization;
using System.Text.Json;
using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

public sealed partial class TelemetryQueries
{
    public const string ThoughtLatency = "THOUGHT_LATENCY";
    public const string LoadLatency = "LOAD_LATENCY";
    public const int WindowDays = 60;

    /// <summary>
    /// Per component and day, per component over the window, and last week against the week before, from events_1d.
    /// The window is the server's today and the 59 days before it; age is days before today (0 = today).
    /// </summary>
    public async Task<SixtyDayReport> SixtyDayAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var today = $"toDate({SqlText.Literal(WholeSeconds(now))})";

        // One row per component, day and event type; the split by type happens here, not in SQL, so the
        // quantile state is merged only within one type.
        var rows = await client.QueryAsync(
            $"""
            SELECT component, event_type, toString(toDate(bucket)) AS day, toInt32({today} - toDate(bucket)) AS age,
                toString({today} - {WindowDays - 1}) AS from_day, toString({today}) AS to_day,
                countMerge(events) AS n, sumMerge(value_sum) AS total, sumMerge(weighted_value_sum) AS weighted,
                sumMerge(tokens_sum) AS tokens, quantilesTDigestMerge(0.5, 0.95, 0.99)(value_quantiles) AS q
            FROM {Database}.{HistoryStep.Day.Table()}
            WHERE bucket >= {SqlText.Literal(WholeSeconds(now.AddDays(-WindowDays - 1)))}
                AND toDate(bucket) >= {today} - {WindowDays - 1} AND toDate(bucket) <= {today}
            GROUP BY component, event_type, day, age
            """,
            cancellationToken);
        var dayRows = rows.Select(DayRow.Read).ToList();
        var fromDay = rows.Count > 0 ? RowValues.Text(rows[0], "from_day") : Day(now.AddDays(-(WindowDays - 1)));
        var toDay = rows.Count > 0 ? RowValues.Text(rows[0], "to_day") : Day(now);

        var days = dayRows
            .GroupBy(r => (r.Component, r.Day))
            .Select(g =>
            {
                var thought = g.Where(r => r.IsThought).ToList();
                var load = Totals.Of(g.Where(r => r.IsLoad));
                var quantiles = thought.Count == 1 ? thought[0].Quantiles : null;
                var thoughtTotals = Totals.Of(thought);
                return new DayStats(
                    g.Key.Component,
                    g.Key.Day,
                    g.Sum(r => r.Events),
                    thoughtTotals.Events,
                    thoughtTotals.Tokens,
                    RowValues.Ratio(thoughtTotals.Weighted, thoughtTotals.Tokens),
                    quantiles is { Length: > 1 } ? quantiles[0] : null,
                    quantiles is { Length: > 1 } ? quantiles[1] : null,
                    load.Events,
                    RowValues.Ratio(load.Sum, load.Events));
            })
            .OrderBy(d => d.Component, StringComparer.Ordinal)
            .ThenBy(d => d.Day, StringComparer.Ordinal)
            .ToList();

        var byComponent = dayRows.GroupBy(r => r.Component, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var trends = byComponent
            .Select(g =>
            {
                var thought = Totals.Of(g.Where(r => r.IsThought));
                var load = Totals.Of(g.Where(r => r.IsLoad));
                return new ComponentTrend(
                    g.Key,
                    g.Select(r => r.Day).Distinct(StringComparer.Ordinal).Count(),
                    g.Sum(r => r.Events),
                    thought.Tokens,
                    RowValues.Ratio(thought.Weighted, thought.Tokens),
                    load.Events,
                    RowValues.Ratio(load.Sum, load.Events));
            })
            .OrderBy(t => t.EfficiencyMsPerToken is null)
            .ThenBy(t => t.EfficiencyMsPerToken)
            .ThenBy(t => t.Component, StringComparer.Ordinal)
            .ToList();

        var degradation = byComponent
            .Select(g =>
            {
                var last = Totals.Of(g.Where(r => r.IsThought && r.Age is >= 0 and < 7));
                var previous = Totals.Of(g.Where(r => r.IsThought && r.Age is >= 7 and < 14));
                var lastEfficiency = RowValues.Ratio(last.Weighted, last.Tokens);
                var previousEfficiency = RowValues.Ratio(previous.Weighted, previous.Tokens);
                var change = lastEfficiency is { } l && previousEfficiency is { } p ? RowValues.Ratio((l - p) * 100, p) : null;
                return new Degradation(g.Key, lastEfficiency, previousEfficiency, change, change > options.DegradationThresholdPct);
            })
            .ToList();

        return new SixtyDayReport(fromDay, toDay, options.DegradationThresholdPct, days, trends, degradation);
    }

    // Only when ClickHouse has no rows to tell its own calendar day: assumes a UTC server.
    private static string Day(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private sealed record DayRow(string Component, string EventType, string Day, int Age, long Events, double? Sum, double? Weighted, long Tokens, double?[]? Quantiles)
    {
        public bool IsThought => string.Equals(EventType, ThoughtLatency, StringComparison.Ordinal);

        public bool IsLoad => string.Equals(EventType, LoadLatency, StringComparison.Ordinal);

        public static DayRow Read(JsonElement row) => new(
            RowValues.Text(row, "component"),
            RowValues.Text(row, "event_type"),
            RowValues.Text(row, "day"),
            row.GetProperty("age").GetInt32(),
            RowValues.Long(row, "n"),
            RowValues.Double(row, "total"),
            RowValues.Double(row, "weighted"),
            RowValues.Long(row, "tokens"),
            [.. row.GetProperty("q").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null)]);
    }

    private readonly record struct Totals(long Events, double? Sum, double? Weighted, long Tokens)
    {
        public static Totals Of(IEnumerable<DayRow> rows)
        {
            long events = 0, tokens = 0;
            double? sum = 0, weighted = 0;
            foreach (var row in rows)
            {
                events += row.Events;
                tokens += row.Tokens;
                sum += row.Sum;
                weighted += row.Weighted;
            }

            return new Totals(events, sum, weighted, tokens);
        }
    }
}
