using Collector.Storage.Queries;
using Collector.Tests.Infrastructure;
using Collector.Tests.Queries;

namespace Collector.Tests.Metrics;

/// <summary>
/// collector_efficiency_* read from a real ClickHouse holding 58 days of generated THOUGHT_LATENCY events: each
/// component's last 24 h and 60-day baseline equal the token-weighted means computed here from the events sent, and
/// the degrading model's change is over the 20 % the alert uses while the steady ones are not.
/// </summary>
[Collection("clickhouse")]
public sealed class EfficiencyGaugesTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Read_GeneratedHistory_GaugesMatchTokenWeightedWindows()
    {
        var (collector, events, database) = await HistoryCollector.StartAsync(fixture, _data.Path);
        await using var stopping = collector;
        await HistoryCollector.WaitForHourRollupAsync(fixture, database, events.Count);

        // The timer's first read ran before the data; the next is a minute away, so read now.
        var baseline = (EfficiencyBaseline)collector.App.Services.GetService(typeof(EfficiencyBaseline))!;
        var now = DateTimeOffset.UtcNow;
        await baseline.ReadAsync(CancellationToken.None);
        using var http = new HttpClient();
        var metrics = new ScrapedMetrics(await http.GetStringAsync(new Uri(collector.HttpUri, "/metrics")));

        foreach (var component in TelemetryDataSet.Components)
        {
            var lastDay = Weighted(events.Where(e => e.IsThought && e.Component == component && Hour(e.Time) >= now - EfficiencyBaseline.LastDay));
            var before = Weighted(events.Where(e => e.IsThought && e.Component == component && Hour(e.Time) < now - EfficiencyBaseline.LastDay));
            var change = (lastDay - before) * 100 / before;
            AssertClose(lastDay, metrics.Value("collector_efficiency_ms_per_token", $"component={component}"));
            AssertClose(before, metrics.Value("collector_efficiency_baseline_ms_per_token", $"component={component}"));
            AssertClose(change, metrics.Value("collector_efficiency_change_percent", $"component={component}"));
            Assert.True(component == TelemetryDataSet.Degrading ? change > 20 : change < 20, $"{component}: {change} %");
        }

        // No tokens, no efficiency: the component has no sample rather than a 0 that would read as "fast".
        Assert.DoesNotContain(metrics.Samples, s => s.Name.StartsWith("collector_efficiency", StringComparison.Ordinal) && s.Labels["component"] == TelemetryDataSet.ZeroTokens);
        Assert.Equal(20, metrics.Value("collector_query_degradation_threshold_percent"));
    }

    private static DateTimeOffset Hour(DateTimeOffset t) => DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds() / 3600 * 3600);

    private static double Weighted(IEnumerable<GeneratedEvent> events)
    {
        var list = events.ToList();
        Assert.NotEmpty(list);
        return list.Sum(e => e.Value * e.Tokens) / list.Sum(e => (double)e.Tokens);
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= 1e-9 * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");
}
