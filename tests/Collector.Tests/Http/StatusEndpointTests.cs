using System.Net;
using System.Text.Json;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Http;

/// <summary>/telemetry/status tells an operator everything; /telemetry/public tells anyone only aggregates.</summary>
[Collection("clickhouse")]
public sealed class StatusEndpointTests(ClickHouseFixture fixture) : IDisposable
{
    private const string NodeId = "node-secret-7";
    private const string SourceId = "source-secret-9";
    private const string Tag = "site-hidden";
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Status_ForwardingNodeWithStorage_ReportsNodeLogConsumersClickHouseAndUpstream()
    {
        var upstreamPort = FreePort.Next();
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--node-id", NodeId, "--tags", Tag, "--upstream-url", $"http://127.0.0.1:{upstreamPort}", "--upstream-max-backoff-ms", "300",
            "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", $"t_{Guid.NewGuid():N}", "--clickhouse-batch-delay-ms", "100");
        Assert.Equal(1_000, await EventStreamer.SendAsync(collector.GrpcUri, SourceId, 1, 1_000));
        await collector.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= 1_000, TimeSpan.FromSeconds(60), "rows in ClickHouse");

        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        var status = JsonDocument.Parse(await http.GetStringAsync(new Uri("/telemetry/status", UriKind.Relative))).RootElement;

        Assert.Equal("healthy", status.GetProperty("status").GetString());
        Assert.Equal("0.1.0", status.GetProperty("version").GetString());
        Assert.True(status.GetProperty("uptime_seconds").GetDouble() > 0);
        Assert.Equal(NodeId, status.GetProperty("node").GetProperty("id").GetString());
        Assert.Equal("regional", status.GetProperty("node").GetProperty("role").GetString());
        Assert.Contains(Tag, status.GetProperty("node").GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var log = status.GetProperty("log");
        Assert.True(log.GetProperty("size_bytes").GetInt64() > 0);
        Assert.True(log.GetProperty("disk_bytes").GetInt64() >= log.GetProperty("size_bytes").GetInt64());
        Assert.True(log.GetProperty("disk_free_bytes").GetInt64() > 0);
        Assert.Equal(Path.GetFullPath(_data.Path), log.GetProperty("data_dir").GetString());

        // The upstream is away: its consumer lags by everything; ClickHouse has caught up.
        var consumers = status.GetProperty("consumers").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("lag_bytes").GetInt64(), StringComparer.Ordinal);
        Assert.True(consumers["upstream"] > 0);
        Assert.Equal(0, consumers["clickhouse"]);

        Assert.Equal(1_000, status.GetProperty("ingest").GetProperty("grpc").GetProperty("accepted").GetInt64());
        Assert.Equal(0, status.GetProperty("ingest").GetProperty("json").GetProperty("accepted").GetInt64());
        Assert.Equal(1, status.GetProperty("sources").GetProperty("known").GetInt32());

        var clickHouse = status.GetProperty("clickhouse");
        Assert.True(clickHouse.GetProperty("reachable").GetBoolean());
        Assert.Equal(1_000, clickHouse.GetProperty("rows_inserted").GetInt64());

        var upstream = status.GetProperty("upstream");
        Assert.False(upstream.GetProperty("connected").GetBoolean());
        Assert.Contains($"127.0.0.1:{upstreamPort}", upstream.GetProperty("target").GetString(), StringComparison.Ordinal);
        Assert.True(upstream.GetProperty("backlog_bytes").GetInt64() > 0);
        await collector.StopAsync();
    }

    [Fact]
    public async Task Public_SameNode_AggregatesOnlyWithNoIdentifyingText()
    {
        var upstreamPort = FreePort.Next();
        using var collector = await CollectorProcess.StartAsync(
            _data.Path, "--node-id", NodeId, "--tags", Tag, "--upstream-url", $"http://127.0.0.1:{upstreamPort}");
        Assert.Equal(500, await EventStreamer.SendAsync(collector.GrpcUri, SourceId, 1, 500));
        Assert.Equal(0, await EventStreamer.SendAsync(collector.GrpcUri, SourceId, 1, 100));

        using var http = new HttpClient { BaseAddress = collector.HttpUri };
        using var response = await http.GetAsync(new Uri("/telemetry/public", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;

        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal(500, body.GetProperty("events").GetProperty("accepted").GetInt64());
        Assert.Equal(100, body.GetProperty("events").GetProperty("duplicates").GetInt64());
        Assert.Equal(1, body.GetProperty("sources").GetInt32());
        Assert.True(body.GetProperty("forwarding").GetProperty("enabled").GetBoolean());
        Assert.False(body.GetProperty("storage").GetProperty("enabled").GetBoolean());
        foreach (var secret in new[] { NodeId, SourceId, Tag, upstreamPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "127.0.0.1", _data.Path, "edge", "regional" })
        {
            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }

        await collector.StopAsync();
    }
}
