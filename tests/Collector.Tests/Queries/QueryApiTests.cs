using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Collector.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Collector.Tests.Queries;

/// <summary>The /telemetry query API against a real ClickHouse, checked against sums computed here from the data sent.</summary>
[Collection("clickhouse")]
public sealed partial class QueryApiTests(ClickHouseFixture fixture, ITestOutputHelper output) : IDisposable
{
    private const double Relative = 1e-9;

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Endpoints_GeneratedData_MatchIndependentComputation()
    {
        await using var collector = await StartCollectorAsync();
        var events = TelemetryDataSet.Generate(DateTimeOffset.UtcNow);
        await TelemetryDataSet.SendAsync(collector.CreateClient(), events);
        await WaitForRowsAsync(events.Count);
        using var http = new HttpClient { BaseAddress = collector.HttpUri };

        await CheckEfficiencyAsync(http, events, "/telemetry/efficiency", TimeSpan.FromMinutes(1));
        await CheckEfficiencyAsync(http, events, "/telemetry/efficiency?hours=720", TimeSpan.FromHours(1));
        await CheckEfficiencyAsync(http, events, $"/telemetry/efficiency?hours=48&component={Uri.EscapeDataString(TelemetryDataSet.Odd)}", TimeSpan.FromMinutes(1));
        await CheckSixtyDayAsync(http, events);
        await CheckFootprintAsync(http, events);
        await CheckHistoryAsync(http, events);

        foreach (var path in new[] { "/telemetry/efficiency?hours=24", "/telemetry/60day", "/telemetry/footprint" })
        {
            output.WriteLine($"{path}: median {await MedianLatencyAsync(http, path):F2} ms over {events.Count} events");
        }
    }

    private static async Task CheckEfficiencyAsync(HttpClient http, List<GeneratedEvent> events, string path, TimeSpan bucket)
    {
        var body = await GetJsonAsync(http, path);
        var from = Time(body, "from");
        var to = Time(body, "to");
        var filter = path.Contains("component=", StringComparison.Ordinal) ? TelemetryDataSet.Odd : null;
        var expected = events
            .Where(e => e.IsThought && Floor(e.Time, bucket) >= from && Floor(e.Time, bucket) <= to && (filter is null || e.Component == filter))
            .GroupBy(e => e.Component)
            .Select(g => (Component: g.Key, Events: g.Count(), Tokens: g.Sum(e => (long)e.Tokens), Weighted: g.Sum(e => e.Value * e.Tokens)))
            .Select(g => (g.Component, g.Events, g.Tokens, Efficiency: g.Tokens == 0 ? (double?)null : g.Weighted / g.Tokens))
            .OrderBy(g => g.Efficiency ?? double.MaxValue)
            .ToList();

        var actual = body.GetProperty("components").EnumerateArray().ToList();
        Assert.True(
            expected.Select(e => e.Component).SequenceEqual(actual.Select(a => a.GetProperty("component").GetString())),
            $"{path}: {body}\nhealth: {await http.GetStringAsync(new Uri("/healthcheck", UriKind.Relative))}");
        foreach (var (e, a) in expected.Zip(actual))
        {
            Assert.Equal(e.Events, a.GetProperty("events").GetInt64());
            Assert.Equal(e.Tokens, a.GetProperty("tokens").GetInt64());
            AssertClose(e.Efficiency, a.GetProperty("efficiency_ms_per_token"));
        }

        Assert.Equal(filter is null ? TelemetryDataSet.Components.Length + 1 : 1, actual.Count);
        if (filter is null)
        {
            Assert.Equal(TelemetryDataSet.ZeroTokens, actual[^1].GetProperty("component").GetString());
        }
    }

    private static async Task CheckFootprintAsync(HttpClient http, List<GeneratedEvent> events)
    {
        var body = await GetJsonAsync(http, "/telemetry/footprint");
        var tables = body.GetProperty("tables").EnumerateArray().ToDictionary(t => t.GetProperty("table").GetString()!);
        Assert.Superset(new HashSet<string> { "events", "events_1m", "events_1h", "events_1d", "schema_migrations" }, tables.Keys.ToHashSet());
        var raw = tables["events"];
        Assert.Equal(events.Count, raw.GetProperty("rows").GetInt64());
        Assert.True(raw.GetProperty("bytes_on_disk").GetInt64() > 0);
        Assert.True(raw.GetProperty("active_parts").GetInt64() >= 1);
        Assert.Equal(events.Min(e => e.Time), Time(raw, "oldest"));
        Assert.Equal(events.Max(e => e.Time), Time(raw, "newest"));
        Assert.False(raw.GetProperty("over_bytes_threshold").GetBoolean());
        Assert.False(raw.GetProperty("over_rows_threshold").GetBoolean());
        Assert.Empty(body.GetProperty("warnings").EnumerateArray());
        Assert.Equal(104857600, body.GetProperty("max_raw_bytes").GetInt64());
        Assert.Equal(1000000, body.GetProperty("max_raw_rows").GetInt64());
        var daily = tables["events_1d"];
        Assert.Equal(Floor(events.Min(e => e.Time), TimeSpan.FromDays(1)), Time(daily, "oldest"));
        Assert.Equal(Floor(events.Max(e => e.Time), TimeSpan.FromDays(1)), Time(daily, "newest"));
        Assert.Equal(Floor(events.Max(e => e.Time), TimeSpan.FromMinutes(1)), Time(tables["events_1m"], "newest"));
        Assert.Equal(JsonValueKind.Null, tables["events_1h"].GetProperty("over_rows_threshold").ValueKind);

        var strict = await GetJsonAsync(http, $"/telemetry/footprint?max_raw_rows={events.Count - 1}&max_raw_bytes=1");
        var strictRaw = strict.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "events");
        Assert.True(strictRaw.GetProperty("over_bytes_threshold").GetBoolean());
        Assert.True(strictRaw.GetProperty("over_rows_threshold").GetBoolean());
        Assert.Equal(2, strict.GetProperty("warnings").GetArrayLength());
        var exact = await GetJsonAsync(http, $"/telemetry/footprint?max_raw_rows={events.Count}");
        Assert.False(exact.GetProperty("tables").EnumerateArray().Single(t => t.GetProperty("table").GetString() == "events").GetProperty("over_rows_threshold").GetBoolean());
    }

    private static async Task<double> MedianLatencyAsync(HttpClient http, string path)
    {
        for (var i = 0; i < 5; i++)
        {
            (await http.GetAsync(new Uri(path, UriKind.Relative))).EnsureSuccessStatusCode();
        }

        var times = new List<double>();
        for (var i = 0; i < 31; i++)
        {
            var watch = Stopwatch.StartNew();
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            _ = await response.Content.ReadAsByteArrayAsync();
            times.Add(watch.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }

        times.Sort();
        return times[times.Count / 2];
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static DateTimeOffset Time(JsonElement e, string name) =>
        DateTimeOffset.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture);

    private static DateTimeOffset Floor(DateTimeOffset t, TimeSpan bucket) =>
        DateTimeOffset.FromUnixTimeSeconds(t.ToUnixTimeSeconds() / (long)bucket.TotalSeconds * (long)bucket.TotalSeconds);

    private static void AssertClose(double? expected, JsonElement actual)
    {
        if (expected is not { } value)
        {
            Assert.Equal(JsonValueKind.Null, actual.ValueKind);
            return;
        }

        var got = actual.GetDouble();
        Assert.True(Math.Abs(got - value) <= Relative * Math.Max(1, Math.Abs(value)), $"expected {value:R}, got {got:R}");
    }

    private Task<InProcessCollector> StartCollectorAsync() =>
        InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = fixture.Server.Url.ToString(),
            ["Collector:ClickHouseDatabase"] = _database,
        });

    private async Task WaitForRowsAsync(int expected)
    {
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            try
            {
                // The rows and every rollup: a view is filled as part of the insert, but the raw rows can be seen first.
                var n = long.Parse((await client.QueryAsync("SELECT least(least((SELECT count() FROM events), (SELECT countMerge(events) FROM events_1m)), least((SELECT countMerge(events) FROM events_1h), (SELECT countMerge(events) FROM events_1d))) AS n"))[0].GetProperty("n").GetString()!, CultureInfo.InvariantCulture);
                if (n >= expected)
                {
                    Assert.Equal(expected, n);
                    return;
                }
            }
            catch (Collector.Storage.ClickHouse.ClickHouseException) when (DateTime.UtcNow < deadline)
            {
                // The schema may not exist yet.
            }

            Assert.True(DateTime.UtcNow < deadline, $"fewer than {expected} rows after 90 s");
            await Task.Delay(100);
        }
    }
}
