using System.Net;
using System.Text;
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

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
