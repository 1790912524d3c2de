using System.Net;
using System.Text.Json;
using Collector.Host.Http;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Queries.Signals;

/// <summary>What the trace and metric endpoints answer to bad and hostile parameters, and without ClickHouse.</summary>
[Collection("clickhouse")]
public sealed class SignalQueryErrorTests(ClickHouseFixture fixture) : IDisposable
{
    private const string Hostile = "x' OR '1'='1";

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task BadParameters_400ProblemNamingParameter()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);
        (string Path, string Parameter)[] cases =
        [
            ("/telemetry/traces/abc", "trace_id"),
            ("/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e473", "trace_id"),
            ("/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e47360", "trace_id"),
            ("/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e473g", "trace_id"),
            ("/telemetry/traces/00000000000000000000000000000000", "trace_id"),
            ($"/telemetry/traces/{Uri.EscapeDataString("'; DROP TABLE spans; --aaaaaaaaaaaaa")}", "trace_id"),
            ($"/telemetry/traces/{Uri.EscapeDataString("\\' OR 1=1 --aaaaaaaaaaaaaaaaaaaaaaa")}", "trace_id"),
            ("/telemetry/metrics", "name"),
            ("/telemetry/metrics?name=", "name"),
            ("/telemetry/metrics?name=a&name=b", "name"),
            ("/telemetry/metrics?name=x&step=0", "step"),
            ("/telemetry/metrics?name=x&step=5w", "step"),
            ("/telemetry/metrics?name=x&step=-5", "step"),
            ("/telemetry/metrics?name=x&step=1s&from=0", "step"),
            ("/telemetry/metrics?name=x&from=2000&to=1000", "from"),
            ("/telemetry/metrics?name=x&to=yesterday", "to"),
            ("/telemetry/metrics?name=x&group_by=a,,b", "group_by"),
            ("/telemetry/metrics?name=x&group_by=a,a", "group_by"),
            ("/telemetry/metrics?name=x&attr.host=", "attr.host"),
            ("/telemetry/metrics?name=x&attr.host=a&attr.host=b", "attr.host"),
            ("/telemetry/metrics?name=x&attr.=a", "attr."),
        ];

        foreach (var (path, parameter) in cases)
        {
            using var response = await store.Http.GetAsync(new Uri(path, UriKind.Relative));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.True(parameter == problem.GetProperty("parameter").GetString(), $"{path}: {text}");
            Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        }

        // A NUL in the path is refused by Kestrel before any endpoint sees it.
        using var nul = await store.Http.GetAsync(new Uri("/telemetry/traces/%00bf92f3577b34da6a3ce929d0e0e4736", UriKind.Relative));
        Assert.Equal(HttpStatusCode.BadRequest, nul.StatusCode);
    }

    [Fact]
    public async Task HostileFilters_MatchOnlyThemselves_TablesRemain()
    {
        await using var store = await SignalStore.StartAsync(fixture, _data.Path);
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30);
        var row = MetricRows.Point(Hostile, 1, 0, now, "svc\\'", Hostile).Number(7);
        await store.InsertAsync("metric_points", [row]);

        string[] hostile = ["'; DROP TABLE metric_points; --", "\\'; DROP TABLE metric_points; --", "\\", "'", "x\\' OR 1=1 --", "\0\n\t", "a') OR ('1'='1"];
        foreach (var text in hostile)
        {
            var value = Uri.EscapeDataString(text);
            foreach (var path in new[] { $"/telemetry/metrics?name={value}", $"/telemetry/metrics?name={Uri.EscapeDataString(Hostile)}&service={value}", $"/telemetry/metrics?name={Uri.EscapeDataString(Hostile)}&attr.{value}={value}", $"/telemetry/metrics?name={Uri.EscapeDataString(Hostile)}&group_by={value}" })
            {
                var body = await store.GetAsync(path);
                if (!path.Contains("group_by", StringComparison.Ordinal))
                {
                    Assert.Empty(body.GetProperty("series").EnumerateArray());
                }
            }
        }

        // The stored quotes and backslashes match themselves, and only themselves.
        var match = await store.GetAsync($"/telemetry/metrics?name={Uri.EscapeDataString(Hostile)}&service={Uri.EscapeDataString("svc\\'")}&attr.host={Uri.EscapeDataString(Hostile)}");
        var series = Assert.Single(match.GetProperty("series").EnumerateArray());
        Assert.Equal(Hostile, series.GetProperty("attributes").GetProperty("host").GetString());
        Assert.Equal(7, series.GetProperty("points")[0].GetProperty("last").GetDouble());
        Assert.Equal(1, await store.CountAsync("SELECT count() AS n FROM metric_points"));
        Assert.Equal(1, await store.CountAsync("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'spans'"));
    }

    [Fact]
    public async Task NoClickHouse_BothEndpoints_503NotConfigured()
    {
        await using var collector = await InProcessCollector.StartAsync(_data.Path);
        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        foreach (var path in new[] { "/telemetry/traces/4bf92f3577b34da6a3ce929d0e0e4736", "/telemetry/traces/bad", "/telemetry/metrics?name=x", "/telemetry/metrics" })
        {
            using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal(QueryEndpoints.NotConfigured, body.GetProperty("error").GetString());
        }
    }
}
