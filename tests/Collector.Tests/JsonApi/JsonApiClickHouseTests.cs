using System.Net;
using System.Text;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.JsonApi;

/// <summary>The simple JSON log API end to end: POST /v1/logs on a collector process, rows checked in ClickHouse.</summary>
[Collection("clickhouse")]
public sealed class JsonApiClickHouseTests(ClickHouseFixture fixture) : IDisposable
{
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task PostLogs_ObjectAndArray_RowsInClickHouse()
    {
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100");
        using var http = new HttpClient();
        var url = new Uri(collector.HttpUri, "/v1/logs");

        using var single = await http.PostAsync(url, Json("""
            {"timestamp":"2025-08-25T10:00:00Z","service":"corerl","level":"INFO","message":"Agent started successfully.","correlation_id":"abc-123"}
            """));
        using var array = await http.PostAsync(url, Json("""
            [{"timestamp":"2025-08-25T10:00:01.5Z","service":"coreio","level":"warning","message":"sensor lag","sensor":"t-7","lag_ms":350},
             {"timestamp":"2025-08-25T10:00:02Z","service":"corerl","level":"critical","message":"agent crashed"}]
            """));
        using var refused = await http.PostAsync(url, Json("""[{"service":"corerl","level":"INFO","message":"never stored"},{"service":"corerl","message":"no level"}]"""));

        Assert.Equal(HttpStatusCode.Accepted, single.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, array.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("""{"error":"level is required","field":"[1].level"}""", await refused.Content.ReadAsStringAsync());
        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 3, TimeSpan.FromSeconds(60), "rows in ClickHouse");
        var rows = await StoredRow.ReadAllAsync(fixture.Server, _database);

        Assert.Equal(
            [
                ("json/corerl", "log", "corerl", 3, "Agent started successfully.", "abc-123", "", "", 1_756_116_000_000_000_000ul),
                ("json/coreio", "log", "coreio", 4, "sensor lag", "", "", "", 1_756_116_001_500_000_000ul),
                ("json/corerl", "log", "corerl", 6, "agent crashed", "", "", "", 1_756_116_002_000_000_000ul),
            ],
            rows.Select(r => (r.SourceId, r.EventType, r.Service, r.Severity, r.Message, r.CorrelationId, r.TraceId, r.SpanId, r.TimeNs)));
        Assert.Empty(rows[0].Attributes);
        Assert.Equal(new Dictionary<string, string>(StringComparer.Ordinal) { ["sensor"] = "t-7", ["lag_ms"] = "350" }, rows[1].Attributes);
        await collector.StopAsync();
    }

    [Fact]
    public async Task PostLogs_ThoughtLatencyWithoutAnSdk_CountsInTheEfficiencyQuery()
    {
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100");
        using var http = new HttpClient();

        // What a Python service posts with nothing but an HTTP client: two thoughts of one model.
        using var posted = await http.PostAsync(new Uri(collector.HttpUri, "/v1/logs"), Json("""
            [{"service":"agent","level":"INFO","message":"thought","event_type":"THOUGHT_LATENCY","component":"json-model","value":400,"tokens_generated":100},
             {"service":"agent","level":"INFO","message":"thought","event_type":"THOUGHT_LATENCY","component":"json-model","value":100.0,"tokens_generated":300,"prompt_tokens":50}]
            """));
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 2, TimeSpan.FromSeconds(60), "rows in ClickHouse");

        using var answer = JsonDocument.Parse(await http.GetStringAsync(new Uri(collector.HttpUri, "/telemetry/efficiency?hours=24")));
        var model = Assert.Single(answer.RootElement.GetProperty("components").EnumerateArray());
        Assert.Equal("json-model", model.GetProperty("component").GetString());
        Assert.Equal(2, model.GetProperty("events").GetInt64());
        Assert.Equal(400, model.GetProperty("tokens").GetInt64());

        // Token-weighted: (400 x 100 + 100 x 300) / 400 tokens.
        Assert.Equal(175.0, model.GetProperty("efficiency_ms_per_token").GetDouble(), 6);
        await collector.StopAsync();
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
