using System.Text.Json;
using Collector.Tests.Infrastructure;
using Collector.Tests.Queries;

namespace Collector.Tests.Deploy;

/// <summary>
/// The telemetry dashboard reads the collector's query API through Grafana's Infinity data source (JSON over HTTP),
/// so proving its queries means asking a real collector, over a real ClickHouse holding 58 days of generated
/// history, every URL a panel asks (variables replaced by their default values) and finding, under each panel's root
/// selector, rows that carry every field the panel's columns read, each with a value in at least one row.
/// </summary>
[Collection("clickhouse")]
public sealed class TelemetryDashboardTests(ClickHouseFixture fixture) : IDisposable
{
    private const string Infinity = "yesoreyeram-infinity-datasource";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EveryPanelUrl_GeneratedHistory_AnswersRowsWithEveryColumn()
    {
        var (collector, _, _) = await HistoryCollector.StartAsync(fixture, _data.Path);
        await using var stopping = collector;
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        var dashboard = DashboardJson.Load("collector-telemetry.json");
        var defaults = dashboard.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Where(v => v.GetProperty("type").GetString() == "custom")
            .ToDictionary(v => v.GetProperty("name").GetString()!, v => v.GetProperty("current").GetProperty("value").GetString()!, StringComparer.Ordinal);
        var targets = DashboardJson.Targets(dashboard).ToList();
        Assert.True(targets.Count >= 8, $"only {targets.Count} targets in the telemetry dashboard");

        foreach (var (where, target) in targets)
        {
            Assert.Equal(Infinity, target.GetProperty("datasource").GetProperty("type").GetString());
            Assert.Equal("json", target.GetProperty("type").GetString());
            var url = DashboardJson.Substitute(target.GetProperty("url").GetString()!, defaults);
            Assert.DoesNotContain("$", url, StringComparison.Ordinal);
            var columns = target.GetProperty("columns").EnumerateArray().Select(c => c.GetProperty("selector").GetString()!).ToList();
            Assert.NotEmpty(columns);
            await WaitForRowsAsync(http, where, url, target.GetProperty("root_selector").GetString()!, columns);
        }
    }

    // The rollups fill while the batcher stores the history, so a panel may see a partial answer for a moment; it
    // must see a full one (rows, every column present, each with a value somewhere) within 60 s.
    private static async Task WaitForRowsAsync(HttpClient http, string where, string url, string rootSelector, List<string> columns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await http.GetAsync(new Uri(url, UriKind.Relative));
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{where}: GET {url}: {(int)response.StatusCode} {body}");
            var rows = Rows(JsonDocument.Parse(body).RootElement, rootSelector);
            var missing = columns.Where(c => rows.Count == 0 || rows.Any(r => !r.TryGetProperty(c, out _))).ToList();
            var empty = columns.Where(c => rows.All(r => !r.TryGetProperty(c, out var v) || v.ValueKind == JsonValueKind.Null)).ToList();
            if (missing.Count == 0 && empty.Count == 0)
            {
                return;
            }

            Assert.True(
                DateTime.UtcNow < deadline,
                $"{where}: GET {url} under \"{rootSelector}\": {rows.Count} rows; fields missing [{string.Join(", ", missing)}], never set [{string.Join(", ", empty)}]:\n{body}");
            await Task.Delay(200);
        }
    }

    // The root selectors the dashboard uses are field paths ("tables") or empty for the answer itself; anything the
    // backend parser would evaluate as an expression is refused here, so the test never guesses.
    private static List<JsonElement> Rows(JsonElement root, string rootSelector)
    {
        var node = root;
        foreach (var field in rootSelector.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Matches("^[a-z_]+$", field);
            if (!node.TryGetProperty(field, out node))
            {
                return [];
            }
        }

        return node.ValueKind == JsonValueKind.Array ? [.. node.EnumerateArray()] : [node];
    }
}
