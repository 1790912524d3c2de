using System.Net;
using System.Text.Json;
using Collector.Host.Http;
using Collector.Protocol.Telemetry.V1;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries;

/// <summary>What the query API answers to bad parameters, hostile filters, and missing or unreachable storage.</summary>
[Collection("clickhouse")]
public sealed class QueryErrorTests(ClickHouseFixture fixture) : IDisposable
{
    private static readonly string[] Endpoints = ["/telemetry/efficiency", "/telemetry/60day", "/telemetry/footprint", "/telemetry/history", "/telemetry/events", "/telemetry/events?format=ndjson"];

    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task BadParameters_400ProblemNamingParameter()
    {
        await using var collector = await StartCollectorAsync(fixture.Server.Url.ToString());
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        (string Path, string Parameter)[] cases =
        [
            ("/telemetry/efficiency?hours=0", "hours"),
            ("/telemetry/efficiency?hours=1441", "hours"),
            ("/telemetry/efficiency?hours=abc", "hours"),
            ("/telemetry/efficiency?hours=+5", "hours"),
            ("/telemetry/efficiency?hours=1&hours=2", "hours"),
            ("/telemetry/efficiency?event_type=", "event_type"),
            ($"/telemetry/efficiency?component={new string('x', 1025)}", "component"),
            ("/telemetry/footprint?max_raw_bytes=-5", "max_raw_bytes"),
            ("/telemetry/footprint?max_raw_rows=1.5", "max_raw_rows"),
            ("/telemetry/footprint?max_raw_rows=0", "max_raw_rows"),
            ("/telemetry/history?from=yesterday", "from"),
            ("/telemetry/history?to=2026-13-45T00:00:00Z", "to"),
            ("/telemetry/history?to=5000000000", "to"),
            ("/telemetry/history?step=week", "step"),
            ("/telemetry/history?from=2000&to=1000", "from"),
            ("/telemetry/history?from=0&step=minute", "step"),
            ("/telemetry/history?from=0&to=1728000000", "from"),
            ("/telemetry/history?event_type=", "event_type"),
            ("/telemetry/events?limit=0", "limit"),
            ("/telemetry/events?limit=1001", "limit"),
            ("/telemetry/events?format=ndjson&limit=100001", "limit"),
            ("/telemetry/events?limit=-1", "limit"),
            ("/telemetry/events?format=csv", "format"),
            ("/telemetry/events?from=2000&to=1000", "from"),
            ("/telemetry/events?from=1000&to=1000", "from"),
            ("/telemetry/events?to=tomorrow", "to"),
            ("/telemetry/events?severity=loud", "severity"),
            ("/telemetry/events?severity=256", "severity"),
            ("/telemetry/events?severity=Info,Debug", "severity"),
            ("/telemetry/events?trace_id=0123", "trace_id"),
            ("/telemetry/events?trace_id=0123456789abcdef0123456789abcdeg", "trace_id"),
            ("/telemetry/events?span_id=0123456789abcdef00", "span_id"),
            ("/telemetry/events?cursor=abc", "cursor"),
            ("/telemetry/events?cursor=MS4xLjIuMw", "cursor"),
            ("/telemetry/events?cursor=Mi4xLjIuMy54", "cursor"),
            ("/telemetry/events?cursor=!!!", "cursor"),
            ("/telemetry/events?q=", "q"),
            ($"/telemetry/events?q={new string('x', 1025)}", "q"),
            ("/telemetry/events?origin=a&origin=b", "origin"),
            ("/telemetry/events?node=", "node"),
        ];

        foreach (var (path, parameter) in cases)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal(400, problem.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
            Assert.True(parameter == problem.GetProperty("parameter").GetString(), $"{path}: {text}");
        }

        // The batcher creates the schema in the background; make sure it exists before expecting a 200.
        using (var schemaClient = fixture.Server.CreateClient(_database))
        {
            await new ClickHouseSchema(schemaClient, _database).EnsureAsync(default);
        }

        using var ignored = await http.GetAsync(new Uri("/telemetry/efficiency?hours=2&no_such_parameter=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ignored.StatusCode);
    }

    [Fact]
    public async Task ComponentFilter_InjectionText_EmptyResultAndTablesRemain()
    {
        await using var collector = await StartCollectorAsync(fixture.Server.Url.ToString());
        await collector.CreateClient().SendAsync(new EventBatch
        {
            SourceId = "inject",
            FirstSequence = 1,
            Events = { new Event { TimeUnixNano = (ulong)DateTimeOffset.UtcNow.ToUnixTimeSeconds() * 1_000_000_000UL, EventType = "THOUGHT_LATENCY", Component = "x' OR '1'='1", Value = 2, TokensGenerated = 4 } },
        });
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        using var client = fixture.Server.CreateClient(_database);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await TryCountAsync(client)) < 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the event did not arrive");
            await Task.Delay(100);
        }

        string[] hostile = ["'; DROP TABLE events; --", "\\'; DROP TABLE events; --", "\\", "'", "x\\' OR 1=1 --", "\0\n\t"];
        foreach (var component in hostile)
        {
            var filter = Uri.EscapeDataString(component);
            foreach (var path in new[] { $"/telemetry/efficiency?component={filter}", $"/telemetry/history?component={filter}&event_type={filter}" })
            {
                using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
                var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {body}");
                Assert.Empty(body.GetProperty(path.Contains("efficiency", StringComparison.Ordinal) ? "components" : "points").EnumerateArray());
            }
        }

        // A quote in the stored value matches itself, and only itself.
        using var match = await http.GetAsync(new Uri($"/telemetry/efficiency?component={Uri.EscapeDataString("x' OR '1'='1")}", UriKind.Relative));
        var components = JsonDocument.Parse(await match.Content.ReadAsStringAsync()).RootElement.GetProperty("components");
        Assert.Equal(1, components.GetArrayLength());
        Assert.Equal(2.0, components[0].GetProperty("efficiency_ms_per_token").GetDouble());

        var tables = await client.QueryAsync($"SELECT name FROM system.tables WHERE database = {SqlText.Literal(_database)}");
        Assert.Contains(tables, t => t.GetProperty("name").GetString() == "events");
        Assert.Equal(1, await TryCountAsync(client));
    }

    [Fact]
    public async Task NoClickHouse_Every_Endpoint_503NotConfigured()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        foreach (var path in Endpoints.Append("/telemetry/efficiency?hours=0"))
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(QueryEndpoints.NotConfigured, body.GetProperty("error").GetString());
            Assert.Equal("storage is not configured: start the collector with --clickhouse-url", body.GetProperty("error").GetString());
        }
    }

    [Fact]
    public async Task ClickHouseUnreachable_Every_Endpoint_503WithoutStackTrace()
    {
        await using var collector = await StartCollectorAsync($"http://127.0.0.1:{FreePort.Next()}/");
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        foreach (var path in Endpoints)
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var error = JsonDocument.Parse(text).RootElement.GetProperty("error").GetString()!;
            Assert.StartsWith("ClickHouse is unreachable", error, StringComparison.Ordinal);
            Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        }
    }

    private static async Task<long> TryCountAsync(ClickHouseClient client)
    {
        try
        {
            return long.Parse((await client.QueryAsync("SELECT count() AS n FROM events"))[0].GetProperty("n").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (ClickHouseException)
        {
            return 0;
        }
    }

    private Task<InProcessCollector> StartCollectorAsync(string url) =>
        InProcessCollector.StartAsync(_data.Path, new Dictionary<string, string?>
        {
            ["Collector:ClickHouseUrl"] = url,
            ["Collector:ClickHouseDatabase"] = _database,
        });
}
