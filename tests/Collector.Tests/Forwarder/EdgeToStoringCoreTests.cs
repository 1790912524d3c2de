using System.Globalization;
using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Forwarder;

/// <summary>Edge to a core that stores into ClickHouse: forwarded events land in ClickHouse once, with their provenance.</summary>
[Collection("clickhouse")]
public sealed class EdgeToStoringCoreTests(ClickHouseFixture fixture) : IDisposable
{
    private const int Count = 20_000;
    private readonly TempDirectory _data = new();
    private readonly string _database = $"t_{Guid.NewGuid():N}";

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EdgeBacklog_CoreWithClickHouse_EveryEventStoredOnceWithProvenance()
    {
        var coreGrpc = FreePort.Next();
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"), "--node-id", "edge-1", "--upstream-url", $"http://127.0.0.1:{coreGrpc}", "--upstream-max-backoff-ms", "300");
        var sent = await Task.WhenAll(EventStreamer.SendAsync(edge.GrpcUri, "ch-a", 1, Count / 2), EventStreamer.SendAsync(edge.GrpcUri, "ch-b", 1, Count / 2));
        Assert.Equal(Count, sent.Sum());

        using var core = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "core"), coreGrpc, FreePort.Next(), "--node-id", "core-1", "--clickhouse-url", fixture.Server.Url.ToString(), "--clickhouse-database", _database, "--clickhouse-batch-delay-ms", "100");
        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("backlog_entries").GetInt64() == 0, TimeSpan.FromSeconds(60), "edge drained");
        await core.WaitForHealthAsync(h => h.GetProperty("clickhouse").GetProperty("rows_inserted").GetInt64() >= Count, TimeSpan.FromSeconds(60), "rows in ClickHouse");

        Assert.Equal((ulong)Count, await ScalarAsync("SELECT count() AS v FROM events"));
        Assert.Equal((ulong)Count, await ScalarAsync("SELECT uniqExact(source_id, sequence) AS v FROM events"));
        Assert.Equal((ulong)Count, await ScalarAsync("SELECT countIf(path = ['edge-1'] AND origin = 'edge-1' AND node = 'core-1') AS v FROM events"));
        await core.StopAsync();
    }

    private async Task<ulong> ScalarAsync(string sql)
    {
        using var client = fixture.Server.CreateClient(_database);
        var rows = await client.QueryAsync(sql);
        return ulong.Parse(rows[0].GetProperty("v").GetString()!, CultureInfo.InvariantCulture);
    }
}
