using Collector.Storage.ClickHouse;

namespace Collector.Storage.Queries;

/// <summary>One component's token-weighted ms per token over the last 24 h and over the 60-day baseline before it.</summary>
/// <param name="ChangePct">(last day - baseline) / baseline in percent: positive is slower; null without both.</param>
public sealed record EfficiencyChange(string Component, double? LastDayMsPerToken, double? BaselineMsPerToken, double? ChangePct);

/// <summary>
/// Each component's THOUGHT_LATENCY efficiency in the last 24 h against its own 60-day baseline, for /metrics
/// (collector_efficiency_*) and so an alert can say "a model got more than 20 % slower per token". Read from the hour
/// rollup, once a minute on <see cref="RawTableFootprint"/>'s timer, never per scrape: the windows are the hour buckets
/// that start at or after now - 24 h, and those from now - 60 days up to them, so the two never share an event. This
/// is not /telemetry/60day's week-on-week flag: a day against two months answers within a day and is not fooled by a
/// slow fortnight. Null until the first read; a failed read keeps the last values (the batcher reports ClickHouse).
/// </summary>
public sealed class EfficiencyBaseline(ClickHouseClient client, TimeProvider time)
{
    public static readonly TimeSpan LastDay = TimeSpan.FromHours(24);
    public static readonly TimeSpan Baseline = TimeSpan.FromDays(TelemetryQueries.WindowDays);

    // Replaced whole on each read, so a scrape never mixes two reads.
    private IReadOnlyList<EfficiencyChange>? _components;

    /// <summary>Components with THOUGHT_LATENCY events in the last 60 days at the last read, or null before the first.</summary>
    public IReadOnlyList<EfficiencyChange>? Components => Volatile.Read(ref _components);

    /// <summary>Reads every component's two windows now.</summary>
    public async Task ReadAsync(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(time.GetUtcNow().ToUnixTimeSeconds());
        var rows = await client.QueryAsync(
            $"""
            SELECT component, bucket >= {SqlText.Literal(now - LastDay)} AS last_day,
                sumMerge(tokens_sum) AS tokens, sumMerge(weighted_value_sum) AS weighted
            FROM {SqlText.Identifier(client.Database)}.{HistoryStep.Hour.Table()}
            WHERE event_type = {SqlText.Literal(TelemetryQueries.ThoughtLatency)}
                AND bucket >= {SqlText.Literal(now - Baseline)} AND bucket <= {SqlText.Literal(now)}
            GROUP BY component, last_day
            """,
            cancellationToken);
        var components = rows
            .GroupBy(row => RowValues.Text(row, "component"), StringComparer.Ordinal)
            .Select(g =>
            {
                double? lastDay = null, baseline = null;
                foreach (var row in g)
                {
                    var efficiency = RowValues.Ratio(RowValues.Double(row, "weighted"), RowValues.Long(row, "tokens"));
                    if (row.GetProperty("last_day").GetInt32() == 1)
                    {
                        lastDay = efficiency;
                    }
                    else
                    {
                        baseline = efficiency;
                    }
                }

                var change = lastDay is { } l && baseline is { } b ? RowValues.Ratio((l - b) * 100, b) : null;
                return new EfficiencyChange(g.Key, lastDay, baseline, change);
            })
            .OrderBy(c => c.Component, StringComparer.Ordinal)
            .ToList();
        Volatile.Write(ref _components, components);
    }
}
