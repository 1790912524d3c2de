using System.Globalization;
using System.Text.Json;

namespace Collector.Tests.Queries;

public sealed partial class QueryApiTests
{
    private static async Task CheckSixtyDayAsync(HttpClient http, List<GeneratedEvent> events)
    {
        var body = await GetJsonAsync(http, "/telemetry/60day");
        var today = DateOnly.ParseExact(body.GetProperty("to_day").GetString()!, "yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(today.AddDays(-59).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), body.GetProperty("from_day").GetString());
        int Age(GeneratedEvent e) => today.DayNumber - DateOnly.FromDateTime(e.Time.UtcDateTime).DayNumber;
        var window = events.Where(e => Age(e) is >= 0 and < 60).ToList();

        var days = body.GetProperty("days").EnumerateArray().ToDictionary(d => (d.GetProperty("component").GetString()!, d.GetProperty("day").GetString()!));
        var expectedDays = window.GroupBy(e => (e.Component, e.Time.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture))).ToList();
        Assert.Equal(expectedDays.Count, days.Count);
        foreach (var g in expectedDays)
        {
            var day = days[g.Key];
            var thought = g.Where(e => e.IsThought).ToList();
            var load = g.Where(e => e.IsLoad).ToList();
            Assert.Equal(g.Count(), day.GetProperty("events").GetInt64());
            Assert.Equal(thought.Count, day.GetProperty("thought_events").GetInt64());
            Assert.Equal(thought.Sum(e => (long)e.Tokens), day.GetProperty("tokens").GetInt64());
            AssertClose(Efficiency(thought), day.GetProperty("efficiency_ms_per_token"));
            Assert.Equal(load.Count, day.GetProperty("load_events").GetInt64());
            AssertClose(load.Count == 0 ? null : load.Average(e => e.Value), day.GetProperty("mean_load_latency_seconds"));
            if (thought.Count > 0)
            {
                // Quantiles are approximate: only their range and order are checked.
                var p50 = day.GetProperty("p50_ms_per_token").GetDouble();
                var p95 = day.GetProperty("p95_ms_per_token").GetDouble();
                Assert.InRange(p50, thought.Min(e => e.Value), thought.Max(e => e.Value));
                Assert.InRange(p95, p50, thought.Max(e => e.Value));
            }
            else
            {
                Assert.Equal(JsonValueKind.Null, day.GetProperty("p50_ms_per_token").ValueKind);
            }
        }

        var trends = body.GetProperty("trends").EnumerateArray().ToList();
        var expectedTrends = window.GroupBy(e => e.Component)
            .Select(g => (Component: g.Key, Events: g.Count(), Efficiency: Efficiency(g.Where(e => e.IsThought).ToList()), Load: g.Where(e => e.IsLoad).ToList()))
            .OrderBy(t => t.Efficiency ?? double.MaxValue)
            .ToList();
        Assert.Equal(expectedTrends.Select(t => t.Component), trends.Select(t => t.GetProperty("component").GetString()));
        foreach (var (e, a) in expectedTrends.Zip(trends))
        {
            Assert.Equal(e.Events, a.GetProperty("events").GetInt64());
            AssertClose(e.Efficiency, a.GetProperty("efficiency_ms_per_token"));
            Assert.Equal(e.Load.Count, a.GetProperty("load_events").GetInt64());
            AssertClose(e.Load.Count == 0 ? null : e.Load.Average(l => l.Value), a.GetProperty("mean_load_latency_seconds"));
        }

        var degradation = body.GetProperty("degradation").EnumerateArray().ToDictionary(d => d.GetProperty("component").GetString()!);
        foreach (var component in TelemetryDataSet.Components)
        {
            var last = Efficiency(window.Where(e => e.Component == component && e.IsThought && Age(e) < 7).ToList())!.Value;
            var previous = Efficiency(window.Where(e => e.Component == component && e.IsThought && Age(e) is >= 7 and < 14).ToList())!.Value;
            var d = degradation[component];
            AssertClose(last, d.GetProperty("last_week_ms_per_token"));
            AssertClose(previous, d.GetProperty("previous_week_ms_per_token"));
            AssertClose((last - previous) * 100 / previous, d.GetProperty("change_pct"));
            Assert.Equal(component == TelemetryDataSet.Degrading, d.GetProperty("degraded").GetBoolean());
        }
    }

    private static async Task CheckHistoryAsync(HttpClient http, List<GeneratedEvent> events)
    {
        var now = events.Max(e => e.Time).AddMinutes(2);
        var to = Floor(now, TimeSpan.FromHours(1)).AddHours(1);
        var from = to.AddHours(-48);
        var component = TelemetryDataSet.Components[0];
        var path = $"/telemetry/history?event_type=THOUGHT_LATENCY&component={Uri.EscapeDataString(component)}&from={from.ToUnixTimeSeconds()}&to={to:yyyy-MM-ddTHH:mm:ssZ}&step=hour";
        var body = await GetJsonAsync(http, path);
        Assert.Equal("hour", body.GetProperty("step").GetString());
        Assert.Equal("events_1h", body.GetProperty("rollup").GetString());
        var expected = events
            .Where(e => e.IsThought && e.Component == component && e.Time >= from && e.Time < to)
            .GroupBy(e => Floor(e.Time, TimeSpan.FromHours(1)))
            .OrderBy(g => g.Key)
            .ToList();
        var points = body.GetProperty("points").EnumerateArray().ToList();
        Assert.Equal(expected.Select(g => g.Key), points.Select(p => Time(p, "bucket")));
        foreach (var (g, p) in expected.Zip(points))
        {
            Assert.Equal(g.Count(), p.GetProperty("count").GetInt64());
            Assert.Equal(g.Sum(e => e.Value), p.GetProperty("sum").GetDouble());
            Assert.Equal(g.Min(e => e.Value), p.GetProperty("min").GetDouble());
            Assert.Equal(g.Max(e => e.Value), p.GetProperty("max").GetDouble());
            AssertClose(g.Average(e => e.Value), p.GetProperty("avg"));
        }

        // By day over every type and component; without a step, the span picks it.
        var dayTo = Floor(now, TimeSpan.FromDays(1)).AddDays(1);
        var daily = await GetJsonAsync(http, $"/telemetry/history?from={dayTo.AddDays(-30):yyyy-MM-ddTHH:mm:ssZ}&to={dayTo.ToUnixTimeSeconds()}");
        Assert.Equal("day", daily.GetProperty("step").GetString());
        var expectedDaily = events.Where(e => e.Time >= dayTo.AddDays(-30) && e.Time < dayTo).GroupBy(e => Floor(e.Time, TimeSpan.FromDays(1))).OrderBy(g => g.Key).ToList();
        Assert.Equal(expectedDaily.Select(g => (g.Key, (long)g.Count())), daily.GetProperty("points").EnumerateArray().Select(p => (Time(p, "bucket"), p.GetProperty("count").GetInt64())));

        Assert.Equal("minute", (await GetJsonAsync(http, $"/telemetry/history?from={now.AddHours(-6).ToUnixTimeSeconds()}&to={now.ToUnixTimeSeconds()}")).GetProperty("step").GetString());
        Assert.Equal("hour", (await GetJsonAsync(http, $"/telemetry/history?from={now.AddDays(-13).ToUnixTimeSeconds()}")).GetProperty("step").GetString());
        Assert.Equal("hour", (await GetJsonAsync(http, "/telemetry/history")).GetProperty("step").GetString());
    }

    private static double? Efficiency(List<GeneratedEvent> thought)
    {
        var tokens = thought.Sum(e => (long)e.Tokens);
        return tokens == 0 ? null : thought.Sum(e => e.Value * e.Tokens) / tokens;
    }
}
